"""How often the offline investigator's conclusion names the cause, on the shared recorded cases.

    python bench/rca.py [--shared DIR] [--only SUBSTRING ...] [--show]

Every case goes through the CLI as a user would run it: ``warroom new TITLE --no-tui --evidence ...``
then ``warroom run ID --auto --backend offline``, each in its own database. Only the conclusion is
scored: the root cause of the 5 Whys step (or, when it names none, what it says the evidence does not
establish), cut to 1,500 characters so that a dump of the evidence cannot pass. A case is a hit when
the conclusion contains one alternative of every ``must`` keyword group (case-insensitive).

Cases: every entry of ``cases/holmesgpt/cases.json``, the four top-level ``cases/*`` folders (their
keyword groups are written below from ``../shared/data/README.md``), and ``cases/nezha/*`` (the
labelled service, and the fault type). Prints one line per case and ``rca: H/N cases``.
"""

from __future__ import annotations

import argparse
import json
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


def run_case(case: Case, warroom: list[str]) -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rca-") as tmp:
        db = Path(tmp) / "rca.db"
        config = Path(tmp) / "warroom.toml"
        config.write_text("")  # the defaults, whatever the user's own configuration says
        env_args = ["--db", str(db), "--config", str(config)]
        new = subprocess.run([*warroom, "new", case.title[:300], "--no-tui", *env_args, "--evidence",
                              *map(str, case.files)], capture_output=True, text=True, cwd=tmp)
        if new.returncode != 0:
            case.error = f"new failed: {(new.stderr.strip().splitlines() or ['?'])[-1][:200]}"
            return
        incident = new.stdout.strip().splitlines()[-1]
        run = subprocess.run([*warroom, "run", incident, "--auto", "--backend", "offline", *env_args],
                             capture_output=True, text=True, cwd=tmp)
        if run.returncode not in (0, 3):
            case.error = f"run exited {run.returncode}: {(run.stderr.strip().splitlines() or ['?'])[-1][:200]}"
        case.conclusion = conclusion_of(db)
    case.seconds = time.monotonic() - started
    lowered = case.conclusion.lower()
    case.missed = [group for group in case.must if not any(word.lower() in lowered for word in group)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/rca.py", description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--only", nargs="+", default=[], metavar="SUBSTRING")
    parser.add_argument("--show", action="store_true", help="print each conclusion")
    args = parser.parse_args(argv)
    cases = [c for c in shared_cases(args.shared) if not args.only or any(s in c.name for s in args.only)]
    if not cases:
        print(f"no shared cases under {args.shared}", file=sys.stderr)
        return 2
    warroom = [sys.executable, "-m", "warroom"]
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


if __name__ == "__main__":
    sys.exit(main())
