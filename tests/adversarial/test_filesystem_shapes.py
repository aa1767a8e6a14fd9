"""The file system as users really have it: dotfile-manager symlinks, read-only files and folders, a
folder where a file should be, missing folders, another user's home provisioned by root, CRLF files,
modes. (The 50 MB ~/.claude.json is in test_crash_safety.py: killed mid-write, then every foreign
byte checked.)

Permission checks need a user without root's powers: those tests run cbcfg as uid 1000 through
setpriv, in a scratch tree that user can enter.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_bifrost_cfg.jsondoc import parse_document
from tests.adversarial.scratch import KEY, Scratch, assert_one_clean_line, shared_scratch

USER = 1000  # any uid but root's; setpriv needs no passwd entry
SETTINGS = '{\n  "permissions": {"allow": ["Bash(npm test)"]},\n  "env": {"DISABLE_TELEMETRY": "1"}\n}\n'
DESKTOP = '{\n  "mcpServers": {\n    "fs": {"command": "npx"}\n  }\n}\n'


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def user_scratch() -> Iterator[Scratch]:
    """A scratch tree owned by USER, outside pytest's root-only temp folder."""
    with shared_scratch("cbcfg-adversarial-", "run cbcfg as another user") as scratch:
        for folder in (scratch.home, scratch.project, scratch.system_root):
            os.chown(folder, USER, USER)
        yield scratch


def write_as(path: Path, text: str, uid: int = USER, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    probe = path.parent
    while probe.stat().st_uid != uid and probe.name not in ("home", "project"):
        os.chown(probe, uid, uid)
        probe = probe.parent
    path.write_text(text)
    os.chown(path, uid, uid)
    path.chmod(mode)
    return path


# --- symlinks ----------------------------------------------------------------------------------


def test_a_symlinked_settings_file_is_written_through_and_stays_a_link(scratch: Scratch) -> None:
    real = scratch.home / "dotfiles" / "claude" / "settings.json"
    real.parent.mkdir(parents=True)
    real.write_text(SETTINGS)
    scratch.settings.parent.mkdir()
    scratch.settings.symlink_to("../dotfiles/claude/settings.json")

    assert scratch.invoke("apply", "local", "--yes", "-t", "code").code == 0
    assert scratch.settings.is_symlink() and os.readlink(scratch.settings) == "../dotfiles/claude/settings.json"
    assert json.loads(real.read_text())["env"]["ANTHROPIC_API_KEY"] == KEY
    assert json.loads(real.read_text())["permissions"] == {"allow": ["Bash(npm test)"]}
    assert [p.name for p in real.parent.iterdir()] == ["settings.json"]  # no temp left beside the target

    assert scratch.invoke("rollback", "--yes").code == 0
    assert scratch.settings.is_symlink() and real.read_text() == SETTINGS


def test_a_symlinked_claude_folder(scratch: Scratch) -> None:
    real = scratch.home / "dotfiles" / "claude"
    real.mkdir(parents=True)
    (real / "settings.json").write_text(SETTINGS)
    (scratch.home / ".claude").symlink_to("dotfiles/claude")
    assert scratch.invoke("apply", "local", "--yes", "-t", "code").code == 0
    assert (scratch.home / ".claude").is_symlink()
    assert "ANTHROPIC_BASE_URL" in (real / "settings.json").read_text()


def test_a_dangling_symlink_gets_its_target_created(scratch: Scratch) -> None:
    """A dotfile manager's link whose file does not exist yet: the file is made where it points."""
    scratch.settings.parent.mkdir()
    (scratch.home / "dotfiles").mkdir()
    scratch.settings.symlink_to("../dotfiles/settings.json")
    assert scratch.invoke("apply", "local", "--yes", "-t", "code").code == 0
    target = scratch.home / "dotfiles" / "settings.json"
    assert scratch.settings.is_symlink() and target.is_file()
    assert mode_of(target) == 0o600  # it holds the key
    assert scratch.invoke("rollback", "--yes").code == 0
    assert scratch.settings.is_symlink() and not target.exists()  # as it was: a dangling link


def test_a_symlink_into_a_missing_folder_is_refused(scratch: Scratch) -> None:
    """Its dotfile manager has not run yet: cbcfg does not invent the folder behind its back."""
    scratch.settings.parent.mkdir()
    scratch.settings.symlink_to("../dotfiles/not-yet/settings.json")
    before = scratch.tree()
    result = scratch.invoke("apply", "local", "--yes", "-t", "code")
    assert result.code == 3, result
    assert_one_clean_line(result)
    assert "is a symlink to" in result.stderr and "whose folder does not exist" in result.stderr
    assert scratch.tree() == before


# --- read-only, folders, missing folders -------------------------------------------------------


def test_a_read_only_file_is_refused_even_for_root(scratch: Scratch) -> None:
    """rename() ignores the file's own mode: cbcfg must look, and honour a file made read-only."""
    scratch.settings.parent.mkdir()
    scratch.settings.write_text(SETTINGS)
    scratch.settings.chmod(0o444)
    scratch.desktop.parent.mkdir(parents=True)
    scratch.desktop.write_text(DESKTOP)
    result = scratch.invoke("apply", "local", "--yes")  # code (read-only) and desktop
    assert result.code == 7, result
    assert_one_clean_line(result)
    assert "~/.claude/settings.json: is read-only" in result.stderr
    assert scratch.settings.read_text() == SETTINGS and mode_of(scratch.settings) == 0o444
    assert scratch.desktop.read_text() == DESKTOP, "the other file was written anyway"
    assert not scratch.backups.exists()


def test_a_read_only_file_as_its_user(user_scratch: Scratch) -> None:
    scratch = user_scratch
    write_as(scratch.settings, SETTINGS, mode=0o444)
    result = scratch.run("apply", "local", "--yes", "-t", "code", user=USER)
    assert result.code == 7, result
    assert_one_clean_line(result)
    assert scratch.settings.read_text() == SETTINGS


def test_a_read_only_folder_as_its_user_writes_nothing_anywhere(user_scratch: Scratch) -> None:
    scratch = user_scratch
    write_as(scratch.settings, SETTINGS)
    write_as(scratch.desktop, DESKTOP)
    scratch.settings.parent.chmod(0o555)
    try:
        result = scratch.run("apply", "local", "--yes", user=USER)
    finally:
        scratch.settings.parent.chmod(0o755)
    assert result.code == 7, result
    assert_one_clean_line(result)
    assert "~/.claude/settings.json: cannot write in" in result.stderr
    assert scratch.settings.read_text() == SETTINGS
    assert scratch.desktop.read_text() == DESKTOP, "desktop was written before the refusal"
    assert scratch.stray_temps() == []


def test_an_unwritable_home_as_its_user(user_scratch: Scratch) -> None:
    """No ~/.claude yet, and the home itself read-only: refused up front, one line, exit 7."""
    scratch = user_scratch
    scratch.home.chmod(0o555)
    try:
        result = scratch.run("apply", "local", "--yes", "-t", "code", user=USER)
    finally:
        scratch.home.chmod(0o755)
    assert result.code == 7, result
    assert_one_clean_line(result)


def test_a_folder_where_the_file_should_be(scratch: Scratch) -> None:
    scratch.settings.mkdir(parents=True)
    (scratch.settings / "keep.txt").write_text("mine")
    before = scratch.tree()
    result = scratch.invoke("apply", "local", "--yes", "-t", "code")
    assert result.code == 3, result
    assert_one_clean_line(result)
    assert "~/.claude/settings.json: is a folder, not a file" in result.stderr
    assert scratch.tree() == before


def test_a_file_where_a_folder_should_be(scratch: Scratch) -> None:
    (scratch.home / ".claude").write_text("not a folder")
    before = scratch.tree()
    result = scratch.invoke("apply", "local", "--yes", "-t", "code")
    assert result.code == 3, result
    assert_one_clean_line(result)
    assert scratch.tree() == before


def test_missing_folders_are_created(scratch: Scratch) -> None:
    assert not (scratch.home / ".config").exists()
    assert scratch.invoke("apply", "local", "--yes").code == 0
    for path in (scratch.settings, scratch.desktop):
        assert path.is_file() and mode_of(path) == 0o600
        parse_document(path.read_text())
    assert mode_of(scratch.desktop.parent) == 0o755 & ~current_umask()


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- another user's home, provisioned by root --------------------------------------------------


def test_root_provisioning_a_users_home_leaves_it_theirs(user_scratch: Scratch) -> None:
    scratch = user_scratch
    write_as(scratch.settings, SETTINGS, mode=0o640)
    result = scratch.run("apply", "local", "--yes")  # as root, --home (CBCFG_HOME) is theirs
    assert result.code == 0, result
    assert (scratch.settings.stat().st_uid, scratch.settings.stat().st_gid) == (USER, USER)
    for path in scratch.home.rglob("*"):  # new files, new folders, cbcfg's state and backups
        assert path.lstat().st_uid == USER, f"{path} belongs to root"
    assert scratch.run("status", user=USER).code == 0
    as_user = scratch.run("rollback", "--yes", user=USER)
    assert as_user.code == 0, as_user
    assert scratch.settings.read_text() == SETTINGS and not scratch.desktop.exists()
    again = scratch.run("apply", "local", "--yes", user=USER)
    assert again.code == 0, again


# --- text shapes and modes ---------------------------------------------------------------------


def test_a_crlf_file_stays_crlf(scratch: Scratch) -> None:
    original = SETTINGS.replace("\n", "\r\n").encode()
    scratch.settings.parent.mkdir()
    scratch.settings.write_bytes(original)
    assert scratch.invoke("apply", "local", "--yes", "-t", "code").code == 0
    written = scratch.settings.read_bytes()
    assert written.count(b"\n") == written.count(b"\r\n"), "a bare LF in a CRLF file"
    assert b'"permissions": {"allow": ["Bash(npm test)"]},\r\n' in written
    assert scratch.invoke("rollback", "--yes").code == 0
    assert scratch.settings.read_bytes() == original


@pytest.mark.parametrize("mode", [0o644, 0o664, 0o640, 0o600])
def test_files_without_a_key_keep_their_mode(scratch: Scratch, mode: int) -> None:
    project_settings = scratch.target_path("code-project")
    project_settings.parent.mkdir(parents=True)
    project_settings.write_text("{}\n")
    project_settings.chmod(mode)
    assert scratch.invoke("apply", "local", "--yes", "-t", "code-project").code == 0
    assert mode_of(project_settings) == mode


@pytest.mark.parametrize("target", ["code", "code-local", "desktop", "code-mcp"])  # managed: 0644
def test_new_files_holding_the_key_are_0600(scratch: Scratch, target: str) -> None:
    assert scratch.invoke("apply", "local", "--yes", "-t", target).code == 0
    path = scratch.target_path(target)
    assert KEY in path.read_text()
    assert mode_of(path) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o664])
def test_an_existing_file_ends_0600_once_it_holds_the_key(scratch: Scratch, mode: int) -> None:
    scratch.settings.parent.mkdir()
    scratch.settings.write_text(SETTINGS)
    scratch.settings.chmod(mode)
    assert scratch.invoke("apply", "local", "--yes", "-t", "code").code == 0
    assert mode_of(scratch.settings) == 0o600
    assert scratch.invoke("rollback", "--yes").code == 0  # the file as it was, mode included
    assert mode_of(scratch.settings) == mode
