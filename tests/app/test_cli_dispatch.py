"""The CLI imports only the module of the command being run, and every command is mapped."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from warroom.app import cli


def test_every_registered_command_is_in_the_lazy_map() -> None:
    common = cli.common_options()
    for name in cli.COMMAND_MODULES:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(name).register(sub, common)
        for command in sub.choices:
            assert cli.COMMANDS.get(command) == name, f"{command} (from {name}) is missing from cli.COMMANDS"
    assert set(cli.COMMANDS.values()) <= set(cli.COMMAND_MODULES)


def test_command_of_skips_global_options() -> None:
    assert cli.command_of(["--db", "x.db", "--as", "bob", "show", "INC-2026-0001"]) == "show"
    assert cli.command_of(["--version"]) is None
    assert cli.command_of([]) is None


def test_running_list_does_not_import_the_tui_or_export() -> None:
    code = (
        "import sys; from warroom.app.cli import main; main(['list']);"
        "print('textual' in sys.modules, 'warroom.data.export' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False False"
