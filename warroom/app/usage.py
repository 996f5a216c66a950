"""Command-line usage errors said like every other error: one line on stderr, exit code 2.

argparse prints its usage block and then the error; a script (and a person) reading
stderr gets several lines, with the valid choices buried in the usage. Here a wrong
choice names the valid ones, and every other usage error points at ``--help``.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

from warroom.app.errors import one_line

USAGE_EXIT = 2
# argparse's wording (Python 3.11 to 3.13): "argument NAME: invalid choice: 'x' (choose from 'a', 'b')"
_INVALID_CHOICE = re.compile(r"argument (?P<name>[^:]+): invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)$", re.S)
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def usage_sentence(prog: str, message: str) -> str:
    """One line for an argparse error ``message`` raised by the parser ``prog``."""
    found = _INVALID_CHOICE.match(message)
    if found:
        choices = [match.group(1) for match in _QUOTED.finditer(found["choices"])] or [found["choices"]]
        name = found["name"].split("/")[0]
        name = name if name.startswith("-") else name.lower()
        return one_line(f"{prog}: {found['value']} is not a valid {name}; choose one of: {', '.join(choices)}")
    return one_line(f"{prog}: {message} (see `{prog} --help`)")


class CommandParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one sentence (its subcommand parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        print(usage_sentence(self.prog, message), file=sys.stderr)  # prog is "warroom" or "warroom COMMAND"
        sys.exit(USAGE_EXIT)
