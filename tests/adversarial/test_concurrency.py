"""Two cbcfg at once serialize; Claude Code's own lock on ~/.claude.json is waited for, with a timeout
and a clear message; a file rewritten between plan and write is merged again, never overwritten.

Waiting is observed, not timed: cbcfg says on stderr when it starts waiting for a lock, and the
tests act on that line.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from claude_bifrost_cfg.commands.common import build_layout, sources
from claude_bifrost_cfg.engine import commit
from claude_bifrost_cfg.errors import RefusedError
from claude_bifrost_cfg.workflow import Request, build_request, plan_request
from tests.adversarial.scratch import KEY, Scratch, assert_one_clean_line

CLAUDE_JSON = '{\n  "numStartups": 3,\n  "projects": {\n    "/src/p": {"allowedTools": []}\n  }\n}\n'


def wait_for_line(process: subprocess.Popen[str], text: str, timeout: float = 30) -> str:
    """Read the process's stderr until a line holds ``text``; fail (not hang) after ``timeout``."""
    assert process.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        if selector.select(timeout=deadline - time.monotonic()):
            line = process.stderr.readline()
            if not line:
                break
            seen.append(line)
            if text in line:
                return line
    process.kill()
    raise AssertionError(f"no line with {text!r} on stderr; saw: {seen}")


@pytest.fixture
def held_cbcfg_lock(scratch: Scratch) -> Iterator[FileLock]:
    """Another cbcfg at work on this home (the lock apply and rollback take)."""
    scratch.state_dir.mkdir(parents=True)
    lock = FileLock(str(scratch.state_dir / "cbcfg.lock"))
    lock.acquire()
    yield lock
    lock.release()


def claude_lock(scratch: Scratch) -> Path:
    """Claude Code holding ~/.claude.json: proper-lockfile's folder beside the path as named."""
    lock = Path(str(scratch.claude_json) + ".lock")
    lock.mkdir()
    return lock


def test_two_applies_at_once_serialize(scratch: Scratch, held_cbcfg_lock: FileLock) -> None:
    scratch.claude_json.write_text(CLAUDE_JSON)
    args = ("apply", "local", "--yes", "-t", "code", "-t", "desktop", "-t", "code-mcp")
    first, second = scratch.start(*args), scratch.start(*args)
    for process in (first, second):  # both planned, both queued behind the lock
        wait_for_line(process, "waiting for another cbcfg working on this home")
    held_cbcfg_lock.release()
    for process in (first, second):
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    assert len(list(scratch.backups.iterdir())) == 1  # one did the work, the other found it done
    direct = scratch.root / "direct"
    assert scratch.invoke("apply", *args[1:], "--home", str(direct)).code == 0
    # the same bytes as one apply on its own (~/.claude.json started different there: compare values)
    assert scratch.settings.read_bytes() == (direct / ".claude" / "settings.json").read_bytes()
    assert json.loads(scratch.claude_json.read_text())["projects"] == {"/src/p": {"allowedTools": []}}
    assert scratch.stray_temps() == []


def test_two_different_profiles_at_once_one_waits_then_refuses(scratch: Scratch, held_cbcfg_lock: FileLock) -> None:
    profiles = scratch.root / "profiles"
    profiles.mkdir()
    (profiles / "team.toml").write_text('[gateway]\nurl = "https://gw.example.com"\nkey_env = "ANTHROPIC_AUTH_TOKEN"\n')
    local = scratch.start("apply", "local", "--yes", "-t", "code")
    team = scratch.start("apply", "team", "--yes", "-t", "code", "--profiles-dir", str(profiles))
    for process in (local, team):
        wait_for_line(process, "waiting for another cbcfg")
    held_cbcfg_lock.release()
    codes = {}
    for name, process in (("local", local), ("team", team)):
        _, err = process.communicate(timeout=60)
        codes[name] = (process.returncode, err)
    assert sorted(code for code, _ in codes.values()) == [0, 5], codes
    winner = "local" if codes["local"][0] == 0 else "team"
    loser_error = codes["team" if winner == "local" else "local"][1]
    assert "changed while cbcfg was working" in loser_error
    env = json.loads(scratch.settings.read_text())["env"]
    assert ("ANTHROPIC_API_KEY" in env) == (winner == "local")  # the winner's, whole; not a mix
    assert ("ANTHROPIC_AUTH_TOKEN" in env) == (winner == "team")


def test_another_cbcfg_past_the_timeout_is_exit_6(scratch: Scratch, held_cbcfg_lock: FileLock) -> None:
    before = scratch.tree()
    result = scratch.run("apply", "local", "--yes", env={"CBCFG_LOCK_TIMEOUT": "0.2"})
    assert result.code == 6, result
    assert result.stderr.splitlines()[-1] == (
        "cbcfg: error: another cbcfg is applying to this home (waited 0.2 s) — wait for it, then run again"
    )
    assert scratch.tree() == before
    rollback = scratch.run("rollback", "--yes", env={"CBCFG_LOCK_TIMEOUT": "0"})
    assert rollback.code in (6, 9), rollback  # nothing to roll back may be found first


def test_rollback_waits_for_the_lock_too(scratch: Scratch) -> None:
    assert scratch.invoke("apply", "local", "--yes").code == 0
    lock = FileLock(str(scratch.state_dir / "cbcfg.lock"))
    with lock:
        result = scratch.run("rollback", "--yes", env={"CBCFG_LOCK_TIMEOUT": "0.2"})
    assert result.code == 6, result
    assert "another cbcfg is applying to this home" in result.stderr


def test_claude_codes_lock_past_the_timeout_is_exit_6(scratch: Scratch) -> None:
    scratch.claude_json.write_text(CLAUDE_JSON)
    lock = claude_lock(scratch)
    before = scratch.tree()
    result = scratch.run("apply", "local", "--yes", "-t", "code-mcp", env={"CBCFG_LOCK_TIMEOUT": "0.3"})
    assert result.code == 6, result
    assert result.stderr.splitlines()[-1] == (
        "cbcfg: error: ~/.claude.json: Claude Code is writing it (lock .claude.json.lock held for 0.3 s) "
        "— let Claude Code finish or close it, then run again"
    )
    assert lock.is_dir(), "cbcfg removed Claude Code's lock"
    after = scratch.tree()
    assert after.pop("home/.local/state/cbcfg/cbcfg.lock") == b""  # its own lock, taken first
    assert after == before


def test_a_bad_lock_timeout_is_a_usage_error(scratch: Scratch) -> None:
    result = scratch.invoke("apply", "local", "--yes", env={"CBCFG_LOCK_TIMEOUT": "soon"})
    assert result.code == 2
    assert_one_clean_line(result)
    assert "CBCFG_LOCK_TIMEOUT='soon' is not a number of seconds" in result.stderr


def test_claude_rewrites_the_file_while_cbcfg_waits_for_its_lock(scratch: Scratch) -> None:
    """Claude holds the lock, rewrites ~/.claude.json (its own format, a new key), lets go: cbcfg,
    which planned on the old text, merges again on the new one."""
    scratch.claude_json.write_text(CLAUDE_JSON)
    lock = claude_lock(scratch)
    process = scratch.start("apply", "local", "--yes", "-t", "code-mcp")
    wait_for_line(process, "waiting for Claude Code to release ~/.claude.json")
    rewritten = json.loads(CLAUDE_JSON) | {"numStartups": 4, "tipsHistory": {"new-user-warmup": 1}}
    scratch.claude_json.write_text(json.dumps(rewritten, indent=2))
    lock.rmdir()
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    now = json.loads(scratch.claude_json.read_text())
    assert now["numStartups"] == 4 and now["tipsHistory"] == {"new-user-warmup": 1}  # Claude's write kept
    assert now["mcpServers"]["bifrost"]["url"] == "http://localhost:8080/mcp"  # and cbcfg's entry added
    assert not lock.exists()


def test_a_stale_claude_lock_is_taken_at_once(scratch: Scratch) -> None:
    """A lock folder older than 10 s was left by a Claude that died; Claude itself takes it over."""
    scratch.claude_json.write_text(CLAUDE_JSON)
    lock = claude_lock(scratch)
    os.utime(lock, (time.time() - 11, time.time() - 11))
    result = scratch.run("apply", "local", "--yes", "-t", "code-mcp", env={"CBCFG_LOCK_TIMEOUT": "0"})
    assert result.code == 0, result
    assert not lock.exists()


def test_the_lock_of_a_symlinked_claude_json_is_beside_the_link(scratch: Scratch) -> None:
    """Claude Code locks '<path as named>.lock', not the symlink's target: so must cbcfg."""
    dotfiles = scratch.home / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "claude.json").write_text(CLAUDE_JSON)
    scratch.claude_json.symlink_to("dotfiles/claude.json")
    claude_lock(scratch)
    result = scratch.run("apply", "local", "--yes", "-t", "code-mcp", env={"CBCFG_LOCK_TIMEOUT": "0.2"})
    assert result.code == 6, result
    assert (dotfiles / "claude.json").read_text() == CLAUDE_JSON


def _request(scratch: Scratch, profile: str, profiles_dir: Path | None = None) -> Request:
    layout = build_layout(scratch.home, scratch.project, scratch.system_root, "linux")
    key = os.environ.get("BIFROST_VIRTUAL_KEY")
    return build_request(profile, layout, sources(layout, profiles_dir), key=key, targets=["code", "code-mcp"])


def test_a_file_changed_between_plan_and_write_is_merged_again(
    scratch: Scratch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIFROST_VIRTUAL_KEY", KEY)
    scratch.claude_json.write_text(CLAUDE_JSON)
    scratch.settings.parent.mkdir()
    scratch.settings.write_text('{\n  "model": "opus"\n}\n')
    request = _request(scratch, "local")
    planned = plan_request(request, force=False)
    # Between the plan (shown, confirmed) and the write: Claude and the user change both files.
    scratch.claude_json.write_text(json.dumps(json.loads(CLAUDE_JSON) | {"numStartups": 9}, indent=4))
    scratch.settings.write_text('{\n  "model": "sonnet",\n  "hooks": {}\n}\n')
    committed = commit(request.layout, planned, "apply local", "local", force=False)
    assert committed.backup is not None
    settings = json.loads(scratch.settings.read_text())
    assert settings["model"] == "sonnet" and settings["hooks"] == {} and settings["env"]["ANTHROPIC_API_KEY"] == KEY
    claude = json.loads(scratch.claude_json.read_text())
    assert claude["numStartups"] == 9 and "bifrost" in claude["mcpServers"]
    assert scratch.claude_json.read_text().startswith('{\n    "numStartups": 9')  # Claude's formatting kept


def test_a_plan_overtaken_by_another_profile_is_refused_not_written(
    scratch: Scratch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIFROST_VIRTUAL_KEY", KEY)
    profiles = scratch.root / "profiles"
    profiles.mkdir()
    (profiles / "team.toml").write_text('[gateway]\nurl = "https://gw.example.com"\nkey_env = "ANTHROPIC_AUTH_TOKEN"\n')
    request = _request(scratch, "team", profiles)
    planned = plan_request(request, force=False)
    assert scratch.invoke("apply", "local", "--yes", "-t", "code", "-t", "code-mcp").code == 0
    after_local = scratch.tree()
    with pytest.raises(RefusedError, match="changed while cbcfg was working"):
        commit(request.layout, planned, "apply team", "team", force=False)
    assert scratch.tree() == after_local
