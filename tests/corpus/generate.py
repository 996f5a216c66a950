"""The hostile corpus: input files and command lines generated into a temporary folder.

Small seed payloads live in ``tests/data/payloads``; every mutation (truncation, wrong
types, nesting, duplicate keys, unknown versions, encodings), every hostile string and
every bad config/playbook file is generated here, deterministically, so nothing big is
committed. Each case says what the CLI must do with it:

- ``reject``: exit 2, one sentence on stderr, nothing written;
- ``accept``: exit 0;
- ``either``: exit 0 or 2 (and if 2, nothing written) - the parser may accept a lenient variant.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "payloads"
FORMATS = {"alertmanager": "alertmanager", "pagerduty-v2": "pagerduty", "pagerduty-v3": "pagerduty"}
KNOWN_ID = "INC-2026-0001"  # declared by the corpus fixture before the cases run

ESC = "\x1b"
HOSTILE_TEXT = [
    "[bold red]PWNED[/bold red] checkout down",
    "[link=https://evil.example]click[/link]",
    "[/]unbalanced [/bold] markup [[",
    "\\[escaped] [on red]bg",
    ESC + "[31mred" + ESC + "[0m error",
    ESC + "]0;window title pwned" + "\x07" + "after OSC",
    ESC + "]8;;https://evil.example" + ESC + "\\link" + ESC + "]8;;" + ESC + "\\",
    ESC + "[2J" + ESC + "[H cleared screen",
    ESC + "P+q" + ESC + "\\ DCS query",
    "\x9b31m C1 CSI",
    "\u202eevil-rtl override\u202c text",
    "\u2066isolate\u2069 and \u200f marks \u200e",
    "zero\u200bwidth\ufeff bom",
    "bell\x07 backspace\x08\x08\x08 del\x7f",
    "line one\rCR overwrite",
    "tab\tand\vvertical\fform feed",
    "**bold** _it_ `code` # heading\n- list",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "[x](javascript:alert(1)) ![](https://tracker.example/p.gif)",
    "{{ 7*7 }} {% for x in range(3) %}{{x}}{% endfor %} {# c #}",
    "{{ config.__class__.__init__.__globals__ }}",
    "| pipe | table |\n|---|---|",
    "%s %d %n {0} {title}",
    "😀 emoji 🔥 中文 العربية עברית",
    "a" * 5000,
    "multi\nline\n\ntitle",
    "\u0000 NUL inside",
    "\udcff lone surrogate",
    "'; DROP TABLE events; --",
    "../../etc/passwd",
]


@dataclass
class Case:
    name: str
    argv: list[str]
    expect: str  # reject | accept | either
    db: str = ""
    stdin: str | None = None
    meta: dict = field(default_factory=dict)


def _write(root: Path, name: str, data: bytes | str) -> str:
    path = root / name
    path.write_bytes(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    return str(path)


def _seeds() -> list[tuple[str, str, bytes]]:
    seeds = []
    for path in sorted(PAYLOADS.glob("*.json")):
        family = "alertmanager" if path.name.startswith("alertmanager") else (
            "pagerduty-v2" if "-v2-" in path.name else "pagerduty-v3")
        seeds.append((path.stem, family, path.read_bytes()))
    return seeds


def _wrong_types(doc, path=()):
    """Every (path, replacement) that swaps one value for a value of another type, two levels deep."""
    out = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        here = (*path, key)
        for bad in ([1, 2], {"x": 1}, 12345, None, True, "text", -1.5e308):
            if type(bad) is not type(value):
                out.append((here, bad))
                break
        if len(here) < 3 and isinstance(value, (dict, list)):
            out.extend(_wrong_types(value, here))
    return out


def _set(doc, path, value):
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def alert_cases(root: Path, db: str) -> list[Case]:
    cases: list[Case] = []

    def add(name: str, data: bytes | str, family: str, expect: str) -> None:
        path = _write(root, f"alert-{name}.json", data)
        fmt = FORMATS[family]
        cases.append(Case(f"ingest-{name}", ["--db", db, "ingest", fmt, path], expect, db))
        if len(cases) % 4 == 0:  # a share of them through `new --alerts` too
            cases.append(Case(f"new-alerts-{name}", ["--db", db, "new", "corpus", "--no-tui", "--alerts", path],
                              expect, db))

    for stem, family, raw in _seeds():
        for frac in (0.0, 0.1, 0.5, 0.9, 0.99):
            add(f"{stem}-trunc{int(frac * 100)}", raw[: int(len(raw) * frac)], family, "reject")
        doc = json.loads(raw)
        for i, (path, bad) in enumerate(_wrong_types(doc)[:14]):
            add(f"{stem}-type{i}", json.dumps(_set(doc, path, bad)), family, "either")
        add(f"{stem}-nested", "[" * 100_000 + "]" * 100_000, family, "reject")
        add(f"{stem}-nested-obj", '{"a":' * 5000 + "1" + "}" * 5000, family, "reject")
        text = raw.decode()
        first_key = next(iter(doc))
        dup = text.replace("{", '{"%s": 1, ' % first_key, 1)
        add(f"{stem}-dupkey", dup, family, "reject")
        add(f"{stem}-version", json.dumps(_set(doc, ("version",), "99") if isinstance(doc, dict) else doc), family,
            "either")
        add(f"{stem}-bom", b"\xef\xbb\xbf" + raw, family, "either")
        add(f"{stem}-utf16", text.encode("utf-16"), family, "reject")
        add(f"{stem}-latin1", text.replace('"', '"\xe9', 1).encode("latin-1", "replace"), family, "reject")
        add(f"{stem}-nul", raw[:20] + b"\x00" + raw[20:], family, "reject")
        add(f"{stem}-hostile-text", _hostile_alert(text), family, "either")
    for family in ("alertmanager", "pagerduty-v2"):
        for label, data in [("empty", b""), ("null", b"null"), ("list", b"[]"), ("num", b"42"), ("str", b'"x"'),
                            ("nan", b'{"a": NaN}'), ("inf", b'{"a": Infinity}'), ("bigint", b'{"a": ' + b"9" * 5000 + b"}"),
                            ("binary", bytes(range(256)) * 4), ("ws", b"   \n\t "), ("obj", b"{}")]:
            add(f"{family}-{label}", data, family, "reject")
    return cases


def _hostile_alert(text: str) -> str:
    doc = json.loads(text)
    blob = json.dumps(" ".join(HOSTILE_TEXT[:22]))[1:-1]

    def walk(value):
        if isinstance(value, dict):
            return {k: (blob if k in ("summary", "title", "description", "alertname") else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return json.dumps(walk(doc))


def text_cases(db: str) -> list[Case]:
    cases = []
    for i, text in enumerate(HOSTILE_TEXT):
        expect = "either" if "\udcff" in text else "accept"  # a lone surrogate may be refused as not text
        title_expect = "reject" if len(text) > 500 else expect
        cases.append(Case(f"new-title-{i}", ["--db", db, "new", text, "--no-tui", "--summary", text,
                                             "--service", text[:60]], title_expect, db, meta={"text": text}))
        cases.append(Case(f"note-{i}", ["--db", db, "note", KNOWN_ID, text], expect, db, meta={"text": text}))
        cases.append(Case(f"as-{i}", ["--db", db, "--as", text, "note", KNOWN_ID, "by a hostile actor"], expect, db))
    cases.append(Case("note-empty", ["--db", db, "note", KNOWN_ID, "   "], "reject", db))
    cases.append(Case("title-empty", ["--db", db, "new", " ", "--no-tui"], "reject", db))
    return cases


BAD_IDS = ["", " ", "INC", "INC-2026-", "INC-2026-00001x", "inc-2026-0001; rm -rf /", "../../etc/passwd",
           "INC-2026-0001\n", "INC-2026-0001\x00", ESC + "[31mINC-2026-0001", "INC-9999-99999999999999",
           "A" * 10_000, "INC-2026-0001/../x", "%s%n", "[bold]INC[/bold]", "\u202eINC-2026-0001",
           "INC-2026-9999", "INC-0000-0000", "-h-", "*", "INC-2026-0001 INC-2026-0002", "INC‐2026‐0001",
           "ＩＮＣ-2026-0001", "$(id)", "`id`"]


def id_cases(db: str, root: Path) -> list[Case]:
    cases = []
    for i, bad in enumerate(BAD_IDS):
        for cmd in (["show"], ["note"], ["export", "--out", str(root / "out")], ["run", "--auto"]):
            argv = ["--db", db, cmd[0], *cmd[1:], "--", bad]
            if cmd[0] == "note":
                argv = ["--db", db, "note", "--", bad, "text"]
            cases.append(Case(f"id-{cmd[0]}-{i}", argv, "reject", db))
    return cases


BAD_CONFIGS = {
    "invalid-toml": "[policy\nx = ",
    "binary": b"\x00\x01\x02\xff" * 100,
    "latin1": "[anthropic]\nmodel = \"caf\xe9\"".encode("latin-1"),
    "unknown-section": "[nonsense]\na = 1\n",
    "scalar-section": "anthropic = 3\n",
    "wrong-type": "[anthropic]\nmodel = 42\n",
    "deep": "a = " + "[" * 5000 + "]" * 5000,
    "huge": "# " + "x" * 3_000_000,
    "dup-key": "[anthropic]\nmodel = \"a\"\nmodel = \"b\"\n",
    "ansi-key": "[" + ESC + "[31mevil]\n",
    "markup": "[anthropic]\nmodel = \"[bold]x[/bold]\"\nextra_field_xyz = 1\n",
    "sla-negative": "[sla]\nP1 = -5\n",
    "empty-table-array": "[[anthropic]]\n",
    "only-bom": "\ufeff",
    "bidi": "[anthropic]\nmodel = \"\u202eevil\"\nmax_tokens = \"lots\"\n",
}


def config_cases(db: str, root: Path) -> list[Case]:
    cases = []
    for name, body in BAD_CONFIGS.items():
        path = _write(root, f"config-{name}.toml", body)
        expect = "either" if name in ("only-bom", "sla-negative") else "reject"
        cases.append(Case(f"config-{name}", ["--db", db, "--config", path, "run", "INC-2026-9999"], expect, db,
                          meta={"config": True}))
    for name, path in {"missing": str(root / "nope.toml"), "directory": str(root), "devnull": "/dev/null"}.items():
        cases.append(Case(f"config-{name}", ["--db", db, "--config", path, "run", "INC-2026-9999"], "reject", db))
    return cases


BAD_PLAYBOOKS = {
    "invalid-toml": "name = ",
    "binary": b"\x00\xff" * 300,
    "empty": "",
    "no-steps": 'name = "x"\ntitle = "x"\n',
    "unknown-phase": 'name = "x"\ntitle = "t"\n[[phases]]\nid = "a"\ntitle = "A"\n[[steps]]\nid = "s"\nphase = "zz"\n'
                     'role = "r"\ntask = "triage"\ntitle = "S"\n',
    "bad-jinja": 'name = "x"\ntitle = "{{ unclosed"\n[[phases]]\nid = "a"\ntitle = "{% for %}"\n',
    "jinja-ssti": 'name = "x"\ntitle = "{{ self.__init__.__globals__ }}"\n',
    "wrong-types": 'name = 3\ntitle = []\nphases = "none"\n',
    "deep": "x = " + "[" * 3000 + "]" * 3000,
    "ansi": 'name = "\x1b[31mx"\n',
    "dup": 'name = "a"\nname = "b"\n',
    "steps-cycle": 'name = "x"\ntitle = "t"\n[[phases]]\nid = "a"\ntitle = "A"\n[[steps]]\nid = "s"\nphase = "a"\n'
                   'after = ["s"]\n',
}


def playbook_cases(db: str, root: Path) -> list[Case]:
    cases = []
    for name, body in BAD_PLAYBOOKS.items():
        path = _write(root, f"playbook-{name}.toml", body)
        cases.append(Case(f"playbook-{name}", ["--db", db, "run", KNOWN_ID, "--playbook", path], "reject", db))
    for name, path in {"missing": str(root / "nope.toml"), "directory": str(root), "unknown-builtin": "nosuchbook",
                       "traversal": "../../../etc/passwd"}.items():
        cases.append(Case(f"playbook-{name}", ["--db", db, "run", KNOWN_ID, "--playbook", path], "reject", db))
    return cases


def log_files(root: Path) -> dict[str, str]:
    """Small hostile log files (the huge ones are made by test_corpus_big at test time)."""
    root.mkdir(parents=True, exist_ok=True)
    line = "2026-11-23T09:00:{:02d}Z ERROR checkout-api {}\n"
    texts = {
        "binary": bytes(range(256)) * 64,
        "nul-bytes": b"".join(line.format(i, "a\x00b").encode() for i in range(30)),
        "invalid-utf8": b"".join(line.format(i, "x").encode() + b"\xff\xfe\xc3\x28\n" for i in range(30)),
        "crlf": "".join(line.format(i, "crlf").replace("\n", "\r\n") for i in range(30)),
        "mixed-encodings": ("2026-11-23T09:00:01Z ERROR caf\u00e9 utf8\n".encode()
                            + "2026-11-23T09:00:02Z ERROR caf\u00e9 latin1\n".encode("latin-1")
                            + "2026-11-23T09:00:03Z ERROR \u4e2d utf16\n".encode("utf-16")),
        "escapes": "".join(line.format(i, t.replace("\n", " ")) for i, t in enumerate(HOSTILE_TEXT)),
        "long-line": "2026-11-23T09:00:00Z ERROR " + "x" * 2_000_000 + "\n",
        "no-newline": "2026-11-23T09:00:00Z ERROR end",
        "empty": b"",
        "only-newlines": b"\n" * 10_000,
        "json-lines-broken": b'{"ts": "2026-11-23T09:00:00Z", "level": "error", "msg": \n{"ts": 1}\n[[[\n',
        "cr-only": "\r".join(line.format(i, "cr").rstrip() for i in range(30)),
    }
    out = {}
    for name, body in texts.items():
        out[name] = _write(root, f"{name}.log", body)
    return out


def evidence_cases(db: str, root: Path) -> list[Case]:
    cases = []
    for name, path in log_files(root).items():
        cases.append(Case(f"evidence-{name}", ["--db", db, "new", f"log {name}", "--no-tui", "--evidence", path],
                          "accept", db))
    kept = Path(db).parent / "evidence"
    kept.mkdir(parents=True, exist_ok=True)
    for name, path in {"missing": str(root / "nope.log"), "devnull": "/dev/null", "inside-kept": str(kept)}.items():
        cases.append(Case(f"evidence-{name}", ["--db", db, "new", "log", "--no-tui", "--evidence", path], "reject", db))
    return cases


def export_cases(db: str, root: Path) -> list[Case]:
    blocker = _write(root, "a-file", b"x")
    return [
        Case("export-into-file", ["--db", db, "export", KNOWN_ID, "--out", blocker], "reject", db),
        Case("export-under-file", ["--db", db, "export", KNOWN_ID, "--out", blocker + "/sub"], "reject", db),
        Case("export-unknown", ["--db", db, "export", "INC-2026-9999", "--out", str(root / "x")], "reject", db),
    ]


def all_cases(root: Path, db: str) -> list[Case]:
    root.mkdir(parents=True, exist_ok=True)
    return [*alert_cases(root, db), *text_cases(db), *id_cases(db, root), *config_cases(db, root),
            *playbook_cases(db, root), *evidence_cases(db, root), *export_cases(db, root)]
