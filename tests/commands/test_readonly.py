"""Commands that only read create no file or folder anywhere: not the state folder, not a lock."""

from __future__ import annotations

import pytest

from tests.cli_helpers import KEY, Scratch

READ_ONLY = [
    ("--version",),
    ("--help",),
    ("apply", "--help"),
    ("profiles",),
    ("profiles", "--json"),
    ("show", "bedrock"),
    ("show", "local", "--json", "-t", "managed", "--system-root", "SYSROOT"),
    ("diff", "local"),
    ("diff", "bedrock", "--json"),
    ("diff", "local", "-t", "managed", "--system-root", "SYSROOT"),
    ("status",),
    ("status", "--json"),
    ("rollback", "--list"),
    ("rollback", "--list", "--json"),
]


def _args(scratch: Scratch, args: tuple[str, ...]) -> list[str]:
    return [str(scratch.system_root) if arg == "SYSROOT" else arg for arg in args]


@pytest.mark.parametrize("state", ["fresh", "applied"])
@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_read_only_commands_write_nothing(scratch: Scratch, args: tuple[str, ...], state: str) -> None:
    if state == "applied":
        assert scratch.cbcfg("apply", "local", "--yes", key=KEY).exit_code == 0
        scratch.settings.write_bytes(scratch.settings.read_bytes().replace(b"8080", b"9090"))  # drift
    before = scratch.tree()
    result = scratch.cbcfg(*_args(scratch, args), key=KEY)
    assert result.exit_code == 0, result.output
    assert scratch.tree() == before


def test_version_in_a_real_process(scratch: Scratch) -> None:
    before = scratch.tree()
    result = scratch.process("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("cbcfg ")
    assert scratch.tree() == before


def test_help_lists_every_command(scratch: Scratch) -> None:
    out = scratch.cbcfg("--help").stdout
    for command in ("profiles", "show", "diff", "apply", "status", "rollback"):
        assert command in out
