"""Product fixes the corpus found, pinned at the unit level."""

from __future__ import annotations

import pytest

from warroom.agents.playbook import PlaybookError, parse_playbook


def test_deeply_nested_playbook_is_a_playbook_error_not_a_recursion_error() -> None:
    with pytest.raises(PlaybookError, match="nested too deeply"):
        parse_playbook("x = " + "[" * 3000 + "]" * 3000, "deep.toml")
