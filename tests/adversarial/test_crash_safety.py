"""A write interrupted at every step leaves each file old or new, never partial, and the next run
recovers by itself: status is right, apply finishes the job, no temp file or half backup set stays.

Two ways to interrupt: the fault seam (CBCFG_FAULT=kill:<step>[:<file>] ends a real ``cbcfg apply``
with os._exit at that step, as a SIGKILL would: no cleanup, no finally; ``error:`` fails the step
with EIO), and a real SIGKILL sent to ``cbcfg apply`` while it writes a 50 MB ~/.claude.json.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from claude_bifrost_cfg.jsondoc import parse_document
from tests.adversarial.scratch import Scratch, make_scratch

TARGETS = ("code", "desktop", "code-mcp")  # written in this order; code-mcp under Claude's lock
TEAM = """\
targets = ["code", "desktop", "code-mcp"]
[gateway]
url = "https://bifrost.example.com"
key_env = "ANTHROPIC_AUTH_TOKEN"
[models]
sonnet = "bedrock/global.anthropic.claude-sonnet-4-6"
opus = "bedrock/global.anthropic.claude-opus-4-6-v1"
haiku = "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0"
[mcp]
name = "team-gateway"
"""
USER_FILES = {
    "code": '{\n  "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say"}]}]},\n  "env": {"A": "1"}\n}\n',
    "desktop": '{\n  "mcpServers": {\n    "fs": {"command": "npx", "args": ["-y", "server-filesystem"]}\n  }\n}\n',
    "code-mcp": '{\n  "numStartups": 12,\n  "projects": {"/src/p": {"allowedTools": ["Bash"]}},\n  "userID": "x"\n}\n',
}


@dataclass(frozen=True)
class Baseline:
    """One home, profile 'local' applied (old), and what a clean 'team' apply makes of it (new)."""

    scratch: Scratch
    pristine: Path
    old: dict[str, bytes]
    new: dict[str, bytes]

    def reset(self) -> Scratch:
        shutil.rmtree(self.scratch.root)
        shutil.copytree(self.pristine, self.scratch.root, symlinks=True)
        return self.scratch

    def files(self) -> dict[str, bytes]:
        return {target: self.scratch.target_path(target).read_bytes() for target in TARGETS}

    def apply(self, profile: str) -> None:
        result = self.scratch.invoke("apply", profile, "--yes", *self.targets(), *self.profiles())
        assert result.code == 0, result

    def profiles(self) -> tuple[str, str]:
        return ("--profiles-dir", str(self.scratch.root / "profiles"))

    @staticmethod
    def targets() -> list[str]:
        return [arg for target in TARGETS for arg in ("-t", target)]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Baseline]:
    root = tmp_path_factory.mktemp("crash")
    scratch = make_scratch(root / "live")
    (scratch.root / "profiles").mkdir()
    (scratch.root / "profiles" / "team.toml").write_text(TEAM)
    for target, text in USER_FILES.items():
        path = scratch.target_path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    environment = {name: os.environ.get(name) for name in ("HOME",)}
    os.environ["HOME"] = str(scratch.home)
    try:
        half = Baseline(scratch, root / "pristine", {}, {})
        half.apply("local")
        old = half.files()
        shutil.copytree(scratch.root, half.pristine, symlinks=True)
        half.apply("team")
        new = half.files()
    finally:
        for name, value in environment.items():
            if value is not None:
                os.environ[name] = value
    assert all(old[t] != new[t] for t in TARGETS)
    yield Baseline(scratch, half.pristine, old, new)


def run_killed(base: Baseline, fault: str) -> int:
    result = base.scratch.run("apply", "team", "--yes", *base.targets(), *base.profiles(), env={"CBCFG_FAULT": fault})
    return result.code


def age_claude_lock(scratch: Scratch) -> bool:
    """A cbcfg killed while holding Claude's lock leaves the folder; like Claude's own, it is stale
    once 10 s old. Stand in for those 10 s instead of waiting them."""
    lock = Path(str(scratch.claude_json) + ".lock")
    if not lock.is_dir():
        return False
    past = time.time() - 11
    os.utime(lock, (past, past))
    return True


def assert_recovers(base: Baseline, written: int) -> None:
    scratch = base.scratch
    files = base.files()
    for index, target in enumerate(TARGETS):
        expected = base.new[target] if index < written else base.old[target]
        assert files[target] == expected, f"{target}: want {'new' if index < written else 'old'}"
        parse_document(files[target].decode())

    status = scratch.invoke("status", "--json")
    assert status.code == 0, status
    rows = {row["target"]: row for row in json.loads(status.stdout)["files"] if row["target"] in TARGETS}
    for index, target in enumerate(TARGETS):
        assert rows[target]["state"] == "applied", rows[target]  # no false drift, no "invalid"
        assert rows[target]["profile"] == ("team" if index < written else "local"), rows[target]

    age_claude_lock(scratch)
    base.apply("team")
    assert base.files() == base.new
    assert scratch.stray_temps() == []
    assert not Path(str(scratch.claude_json) + ".lock").exists()
    for folder in scratch.backups.iterdir():
        assert (folder / "manifest.json").is_file(), f"half a backup set left: {folder}"

    base.apply("local")  # and back: the records are right, nothing is reported as drift
    assert base.files() == base.old


# (fault, how many target files hold the new text afterwards)
KILLS = [
    ("kill:temp-written:01-settings.json", 0),  # copying the first file into the backup set
    ("kill:temp-written:manifest.json", 0),  # backup copies written, the set's manifest not yet
    ("kill:backup-saved", 0),
    ("kill:temp-written:settings.json", 0),  # first target: temp file written, not yet synced
    ("kill:before-replace:settings.json", 0),  # synced, not yet renamed over the file
    ("kill:after-replace:settings.json", 1),  # one of three files replaced, records not saved
    ("kill:before-replace:claude_desktop_config.json", 1),
    ("kill:after-replace:claude_desktop_config.json", 2),
    ("kill:temp-written:.claude.json", 2),  # while holding Claude Code's lock
    ("kill:after-replace:.claude.json", 3),  # every file written, records not saved
    ("kill:before-records", 3),
    ("kill:temp-written:records.json", 3),
    ("kill:before-replace:records.json", 3),
]


@pytest.mark.parametrize(("fault", "written"), KILLS, ids=[fault for fault, _ in KILLS])
def test_killed_at_every_step(baseline: Baseline, fault: str, written: int) -> None:
    scratch = baseline.reset()
    assert run_killed(baseline, fault) == 137, "the fault seam did not fire"
    assert_recovers(baseline, written)
    assert scratch.stray_temps() == []


@pytest.mark.parametrize(
    ("fault", "written", "message"),
    [
        ("error:temp-written:settings.json", 0, "~/.claude/settings.json: cannot write it (injected fault"),
        (
            "error:before-replace:claude_desktop_config.json",
            1,
            "1 other file(s) were already written — check the folder's permissions and free space; "
            "undo those with 'cbcfg rollback ",
        ),
        ("error:temp-written:manifest.json", 0, "cannot write it (injected fault at temp-written)"),
    ],
)
def test_a_failed_write_says_so_and_leaves_no_temp(baseline: Baseline, fault: str, written: int, message: str) -> None:
    """An OS error mid-apply (disk full, EIO): exit 7, one line, no temp file; the next run finishes."""
    scratch = baseline.reset()
    result = scratch.run(
        "apply", "team", "--yes", *baseline.targets(), *baseline.profiles(), env={"CBCFG_FAULT": fault}
    )
    assert result.code == 7, result
    assert message in result.stderr, result
    assert len(result.stderr.strip().splitlines()) == 1, result
    assert scratch.stray_temps() == []
    assert_recovers(baseline, written)


def test_sigkill_while_writing_a_50_mb_claude_json(
    scratch_with_big_claude_json: Scratch, big_claude_json: bytes
) -> None:
    """No seam: a real SIGKILL, sent as soon as the temp file beside ~/.claude.json appears."""
    scratch = scratch_with_big_claude_json
    process = scratch.start("apply", "local", "--yes", "-t", "code-mcp")
    seen = False
    with process:
        while process.poll() is None:
            if any(".claude.json.cbcfg-" in name for name in os.listdir(scratch.home)):
                seen = True
                process.send_signal(signal.SIGKILL)
                break
        process.communicate(timeout=60)
    after_kill = scratch.claude_json.read_bytes()

    age_claude_lock(scratch)
    result = scratch.invoke("apply", "local", "--yes", "-t", "code-mcp")
    assert result.code == 0, result
    new = scratch.claude_json.read_bytes()
    assert after_kill in (big_claude_json, new), "a partial ~/.claude.json"
    inserted = insertion(big_claude_json, new)  # every byte of the 50 MB kept; one member added
    assert inserted.startswith(b',\n    "bifrost": {') or inserted.startswith(b'"bifrost": {'), inserted[:80]
    assert scratch.stray_temps() == []
    assert seen or process.returncode == 0, "killed before the temp file appeared"


def insertion(old: bytes, new: bytes) -> bytes:
    """What was inserted into ``old`` to make ``new``; fails unless that is all that changed."""
    low, high = 0, min(len(old), len(new))
    while low < high:  # the longest common prefix, by halving
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    added = len(new) - len(old)
    assert added > 0 and new[low + added :] == old[low:], "more than an insertion changed"
    return new[low : low + added]


def test_kill_then_status_reads_a_consistent_state(baseline: Baseline) -> None:
    """status after a kill between replace and records: the files' owner is the profile they hold."""
    scratch = baseline.reset()
    assert run_killed(baseline, "kill:after-replace:claude_desktop_config.json") == 137
    status = scratch.invoke("status")
    assert status.code == 0 and "drift" not in status.stdout, status
    assert scratch.records.read_text().count('"profile": "local"') == 3  # records.json itself is the old one


# --- rollback goes through the same transaction: killed at every step, it recovers the same way ---

# (fault, how many target files are rolled back afterwards)
ROLLBACK_KILLS = [
    ("kill:temp-written:01-settings.json", 0),  # the rollback's own backup set, first copy
    ("kill:temp-written:manifest.json", 0),
    ("kill:backup-saved", 0),
    ("kill:before-replace:settings.json", 0),
    ("kill:after-replace:settings.json", 1),
    ("kill:after-replace:claude_desktop_config.json", 2),
    ("kill:temp-written:.claude.json", 2),  # while holding Claude Code's lock
    ("kill:after-replace:.claude.json", 3),
    ("kill:before-records", 3),
    ("kill:before-replace:records.json", 3),
]


@pytest.mark.parametrize(("fault", "undone"), ROLLBACK_KILLS, ids=[fault for fault, _ in ROLLBACK_KILLS])
def test_a_rollback_killed_at_every_step_recovers(baseline: Baseline, fault: str, undone: int) -> None:
    scratch = baseline.reset()  # 'local' applied
    baseline.apply("team")
    assert scratch.run("rollback", "--yes", env={"CBCFG_FAULT": fault}).code == 137, "the fault seam did not fire"
    files = baseline.files()
    for index, target in enumerate(TARGETS):
        expected = baseline.old if index < undone else baseline.new
        assert files[target] == expected[target], f"{target}: want {'old' if index < undone else 'new'}"
    status = scratch.invoke("status", "--json")
    rows = {row["target"]: row for row in json.loads(status.stdout)["files"] if row["target"] in TARGETS}
    for index, target in enumerate(TARGETS):
        assert rows[target]["state"] == "applied", rows[target]  # no false drift
        assert rows[target]["profile"] == ("local" if index < undone else "team"), rows[target]

    age_claude_lock(scratch)
    again = scratch.invoke("rollback", "--yes")  # finishes the job: 'team' is undone, not skipped
    assert again.code == 0, again
    assert baseline.files() == baseline.old
    assert scratch.stray_temps() == []
    assert not Path(str(scratch.claude_json) + ".lock").exists()
    for folder in scratch.backups.iterdir():
        assert (folder / "manifest.json").is_file(), f"half a backup set left: {folder}"
    walk = scratch.invoke("rollback", "--yes")  # and the history goes on: 'local' is undone next
    assert walk.code == 0, walk
    assert baseline.files() == {target: text.encode() for target, text in USER_FILES.items()}
