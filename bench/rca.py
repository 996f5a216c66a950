"""How often the offline investigator's conclusion names the cause, on the shared recorded cases.

    python bench/rca.py [--shared DIR] [--only SUBSTRING ...] [--show] [--backend offline|anthropic] [--model ID]

Every case goes through the CLI as a user would run it: ``warroom new TITLE --no-tui --evidence ...``
then ``warroom run ID --auto --backend offline``, each in its own database. Only the conclusion is
scored: the root cause of the 5 Whys step (or, when it names none, what it says the evidence does not
establish), cut to 1,500 characters so that a dump of the evidence cannot pass. A case is a hit when
the conclusion contains one alternative of every ``must`` keyword group (case-insensitive).

Cases: every entry of ``cases/holmesgpt/cases.json``, the four top-level ``cases/*`` folders (their
keyword groups are written below from ``../shared/data/README.md``), and ``cases/nezha/*`` (the
labelled service, and the fault type). Prints one line per case and ``rca: H/N cases``.

``--backend anthropic`` runs every case with the offline investigator and then with Claude (the
configured API: ``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``; ``--model`` picks the model) and
prints both verdicts per case with Claude's tokens and estimated cost, then ``rca: ...`` for the
offline run and ``rca anthropic: ...`` for Claude. Without a key it says so and is skipped.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONCLUSION_CAP = 1500
NOT_EVIDENCE = {"test_case.yaml", "toolsets.yaml", "label.json", "README.md"}

# The top-level cases' expected elements (../shared/data/README.md, "cases/" table) as keyword groups.
TOP_LEVEL_MUST = {
    "02_crashloop_backoff": [["wge"], ["typo", "misspel", "not found"]],
    "05_crashpod": [["certificate", "ssl cert", "tls cert"], ["expir"]],
    "11_KubePodCrashLooping": [["deploy_env"], ["undefined", "missing", "not set", "unset", "not defined"]],
    "48_logs_since_thursday": [["2025-06-12"], ["2025-06-13"], ["2025-06-14"], ["2025-06-15"], ["2025-06-19"],
                               ["database", "postgres"], ["memory"], ["cpu"], ["syntax"], ["certificate"]],
}
NEZHA_FAULT_WORDS = ["exception", "missing", "absent", "no longer", "stopped"]


@dataclass
class Case:
    name: str
    title: str
    files: list[Path]
    must: list[list[str]]
    negative: bool = False
    conclusion: str = ""
    seconds: float = 0.0
    error: str = ""
    missed: list[list[str]] = field(default_factory=list)
    input_tokens: int = 0  # summed over the run's finished steps (Claude's runs; the offline ones spend none)
    output_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def hit(self) -> bool:
        return not self.error and not self.missed


def _evidence_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in NOT_EVIDENCE)


def _title_of(folder: Path) -> str:
    request = folder / "investigate_request.json"
    try:
        title = json.loads(request.read_text()).get("title", "")
        if title:
            return str(title)
    except (OSError, ValueError, AttributeError):
        pass
    for line in (folder / "test_case.yaml").read_text().splitlines() if (folder / "test_case.yaml").exists() else []:
        if line.startswith("user_prompt:"):
            return line.split(":", 1)[1].strip().strip('"')
    return f"Investigate {folder.name}"


def shared_cases(shared: Path) -> list[Case]:
    """Every shared case with its evidence files and keyword groups."""
    cases: list[Case] = []
    holmes = shared / "cases" / "holmesgpt"
    if (holmes / "cases.json").exists():
        for entry in json.loads((holmes / "cases.json").read_text()):
            folder = holmes / entry["case"]
            cases.append(Case(f"holmesgpt/{entry['case']}", entry["question"],
                              [folder / name for name in entry["evidence_files"]], entry["must"],
                              bool(entry.get("negative"))))
    for name, must in TOP_LEVEL_MUST.items():
        folder = shared / "cases" / name
        if folder.is_dir():
            cases.append(Case(name, _title_of(folder), _evidence_in(folder), must))
    for folder in sorted((shared / "cases" / "nezha").glob("*/")):
        label = folder / "label.json"
        if label.exists():
            service = json.loads(label.read_text())["inject_service"]
            cases.append(Case(f"nezha/{folder.name}", "TrainTicket: frontend latency and errors while booking",
                              _evidence_in(folder), [[service], NEZHA_FAULT_WORDS]))
    return cases


def conclusion_of(db: Path) -> str:
    """The 5 Whys root cause recorded on the timeline (or its 'where the evidence ends' when it names none)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT data FROM events WHERE kind = 'agent.finished' ORDER BY seq").fetchall()
    text = ""
    for (data,) in rows:
        structured = (json.loads(data).get("structured") or {})
        if "root_cause" in structured:
            text = structured.get("root_cause") or structured.get("evidence_ends") or ""
    return text[:CONCLUSION_CAP]


def usage_of(db: Path) -> tuple[int, int, float]:
    """(input tokens, output tokens, estimated USD) over every finished step of the run."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT data FROM events WHERE kind = 'agent.finished'").fetchall()
    runs = [json.loads(data) for (data,) in rows]
    return (sum(r.get("input_tokens", 0) for r in runs), sum(r.get("output_tokens", 0) for r in runs),
            sum(r.get("cost_usd", 0.0) for r in runs))


def run_case(case: Case, warroom: list[str], backend: str = "offline", config_text: str = "") -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rca-") as tmp:
        db = Path(tmp) / "rca.db"
        config = Path(tmp) / "warroom.toml"
        config.write_text(config_text)  # the defaults (and the model asked for), whatever the user's config says
        env_args = ["--db", str(db), "--config", str(config)]
        new = subprocess.run([*warroom, "new", case.title[:300], "--no-tui", *env_args, "--evidence",
                              *map(str, case.files)], capture_output=True, text=True, cwd=tmp)
        if new.returncode != 0:
            case.error = f"new failed: {(new.stderr.strip().splitlines() or ['?'])[-1][:200]}"
            return
        incident = new.stdout.strip().splitlines()[-1]
        run = subprocess.run([*warroom, "run", incident, "--auto", "--backend", backend, *env_args],
                             capture_output=True, text=True, cwd=tmp)
        if run.returncode not in (0, 3):
            case.error = f"run exited {run.returncode}: {(run.stderr.strip().splitlines() or ['?'])[-1][:200]}"
        case.conclusion = conclusion_of(db)
        case.input_tokens, case.output_tokens, case.cost_usd = usage_of(db)
    case.seconds = time.monotonic() - started
    lowered = case.conclusion.lower()
    case.missed = [group for group in case.must if not any(word.lower() in lowered for word in group)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/rca.py", description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--only", nargs="+", default=[], metavar="SUBSTRING")
    parser.add_argument("--show", action="store_true", help="print each conclusion")
    parser.add_argument("--backend", choices=("offline", "anthropic"), default="offline",
                        help="anthropic: Claude beside the offline investigator, with tokens and cost per case")
    parser.add_argument("--model", default="", help="the Claude model for --backend anthropic (default: warroom's)")
    args = parser.parse_args(argv)
    cases = [c for c in shared_cases(args.shared) if not args.only or any(s in c.name for s in args.only)]
    if not cases:
        print(f"no shared cases under {args.shared}", file=sys.stderr)
        return 2
    warroom = [sys.executable, "-m", "warroom"]
    if args.backend == "anthropic":
        return compare_with_claude(cases, warroom, args.model, args.show)
    for case in cases:
        run_case(case, warroom)
        status = "hit " if case.hit else "MISS"
        why = case.error or ("" if case.hit else "missing " + " / ".join("|".join(g[:3]) for g in case.missed))
        print(f"{status} {case.seconds:6.2f} s  {case.name:55} {why}", flush=True)
        if args.show:
            print(f"      {case.conclusion}\n")
    hits = sum(c.hit for c in cases)
    total_time = sum(c.seconds for c in cases)
    print(f"rca: {hits}/{len(cases)} cases ({hits / len(cases):.0%}), {total_time / len(cases):.2f} s per case "
          f"(max {max(c.seconds for c in cases):.2f} s)")
    return 0


def compare_with_claude(cases: list[Case], warroom: list[str], model: str, show: bool) -> int:
    """Each case with the offline investigator and with Claude; hits side by side, Claude's tokens and cost."""
    if not os.environ.get("ANTHROPIC_API_KEY", "").strip():
        print("rca anthropic: skipped (ANTHROPIC_API_KEY is not set)")
        return 0
    if model and not all(c.isalnum() or c in "._:@/-" for c in model):
        print(f"--model {model!r} is not a model id", file=sys.stderr)
        return 2
    config_text = f'[anthropic]\nmodel = "{model}"\n' if model else ""
    claude: list[Case] = []
    print(f"{'offline':8} {'claude':8} {'tokens in/out':>17} {'cost':>8}  case")
    for case in cases:
        theirs = copy.deepcopy(case)
        run_case(case, warroom)
        run_case(theirs, warroom, backend="anthropic", config_text=config_text)
        claude.append(theirs)
        verdicts = ["hit" if c.hit else "MISS" for c in (case, theirs)]
        why = theirs.error or ("" if theirs.hit else "missing " + " / ".join("|".join(g[:3]) for g in theirs.missed))
        print(f"{verdicts[0]:8} {verdicts[1]:8} {theirs.input_tokens:>8,}/{theirs.output_tokens:<8,} "
              f"${theirs.cost_usd:>7.4f}  {case.name}  {why}", flush=True)
        if show:
            print(f"      offline: {case.conclusion}\n      claude:  {theirs.conclusion}\n")
    for label, runs in (("rca", cases), ("rca anthropic", claude)):
        hits = sum(c.hit for c in runs)
        print(f"{label}: {hits}/{len(runs)} cases ({hits / len(runs):.0%}), "
              f"{sum(c.seconds for c in runs) / len(runs):.2f} s per case"
              + (f", {sum(c.input_tokens for c in runs):,} input and {sum(c.output_tokens for c in runs):,} output "
                 f"tokens, ${sum(c.cost_usd for c in runs):.2f} estimated" if runs is claude else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
