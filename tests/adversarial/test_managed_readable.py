"""Managed settings are read by Claude Code running as each user, so every local account must be
able to read them (issue 12 item 1): cbcfg, run as root with a strict umask, writes
managed-settings.json 0644 in 0755 folders, never tightens an existing file, and says in the plan
that the key in it is readable by every local account. Read here the way a user does: as uid 1000.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adversarial.scratch import KEY, Result, Scratch, shared_scratch

USER = 1000  # any uid but root's; setpriv needs no passwd entry
ORG = '{\n  "permissions": {"deny": ["WebFetch"]},\n  "companyAnnouncements": ["Welcome"]\n}\n'


@pytest.fixture
def machine() -> Iterator[Scratch]:
    """A scratch tree every user can enter (pytest's own temp folder is root's only)."""
    with shared_scratch("cbcfg-managed-", "read the file as another user") as scratch:
        for folder in (scratch.home, scratch.project, scratch.system_root):
            folder.chmod(0o755)
        yield scratch


def apply_as_root(scratch: Scratch, *args: str) -> Result:
    old = os.umask(0o077)  # the strictest umask an admin's shell has: must not reach the users
    try:
        return scratch.run("apply", "local", "--yes", "-t", "managed", *args)
    finally:
        os.umask(old)


def read_as_user(path: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; sys.stdout.write(open(sys.argv[1], encoding='utf-8').read())"
    command = ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups", sys.executable, "-c", code, str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_managed_file_is_readable_by_a_normal_user(machine: Scratch) -> None:
    result = apply_as_root(machine)
    assert result.code == 0, result
    path = machine.target_path("managed")
    read = read_as_user(path)
    assert read.returncode == 0, read.stderr  # Claude Code, running as this user, can read it
    assert '"ANTHROPIC_BASE_URL"' in read.stdout
    assert mode_of(path) == 0o644
    for folder in (path.parent, path.parent.parent):  # etc/claude-code and etc, made by cbcfg
        assert mode_of(folder) == 0o755, folder


def test_the_plan_says_the_key_is_readable_by_every_account(machine: Scratch) -> None:
    result = apply_as_root(machine)
    assert result.code == 0, result
    assert "readable by every local account" in result.stdout
    assert KEY in machine.target_path("managed").read_text()  # the warning is about exactly this


@pytest.mark.parametrize("mode", [0o640, 0o600, 0o644, 0o664])
def test_an_existing_managed_file_is_never_tightened(machine: Scratch, mode: int) -> None:
    path = machine.target_path("managed")
    path.parent.mkdir(parents=True)
    path.write_text(ORG)
    path.chmod(mode)
    result = apply_as_root(machine)
    assert result.code == 0, result
    now = mode_of(path)
    assert now & mode == mode, oct(now)  # every bit it had is kept
    assert now & 0o444 == 0o444, oct(now)  # and every user can read it
    assert read_as_user(path).returncode == 0
    assert "Welcome" in path.read_text()
