"""The virtual key is printed by no command, kept in no record, listed in no backup listing.

Every command (and its --json form, and its error paths) runs with a known key, in this process with
the redaction state reset before each run (so one run's registration cannot hide another's leak),
and the usage-error path as a real process (click prints those itself). Two keys: a Bifrost key,
and one without the sk-bf- prefix that only registration and field names can catch.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_bifrost_cfg import output
from tests.adversarial.scratch import KEY, Result, Scratch
from tests.support.gateway import Gateway

PLAIN_KEY = "corp-gw-token-5d41402abc4b2a76b9719d911017c592"
TEAM = """\
description = "A team gateway: bearer token, pinned models, MCP"
targets = ["code", "code-local", "desktop", "code-mcp", "project-mcp", "code-project"]
[gateway]
url = "https://bifrost.example.com"
require_key = true
key_env = "ANTHROPIC_AUTH_TOKEN"
[models]
sonnet = "bedrock/global.anthropic.claude-sonnet-4-6"
opus = "bedrock/global.anthropic.claude-opus-4-6-v1"
haiku = "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0"
"""
# Files a user already has: every one holds something cbcfg must keep.
USER_FILES = {
    "home/.claude/settings.json": '{\n  "hooks": {"Stop": []},\n  "permissions": {"allow": ["Bash(ls:*)"]}\n}\n',
    "home/.claude.json": '{\n  "numStartups": 7,\n  "projects": {"/p": {"allowedTools": []}}\n}\n',
    "home/.config/Claude/claude_desktop_config.json": '{\n  "mcpServers": {"fs": {"command": "npx"}}\n}\n',
    "project/.claude/settings.local.json": '{\n  "permissions": {"deny": []}\n}\n',
}


def secret_parts(key: str) -> list[str]:
    """The key, and its middle (a masked form keeps the prefix and the last 4 characters only)."""
    return [key, key.removeprefix("sk-bf-")[:-4]]


@pytest.fixture
def team(scratch: Scratch) -> Iterator[Scratch]:
    for relative, text in USER_FILES.items():
        path = scratch.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o600)
    (scratch.root / "profiles").mkdir()
    (scratch.root / "profiles" / "team.toml").write_text(TEAM)
    yield scratch


def fresh_invoke(scratch: Scratch, *args: str, key: str | None, stdin: str | None = None) -> Result:
    output._known_secrets.clear()  # as in a new process: nothing registered by an earlier run
    return scratch.invoke(*args, key=key, stdin=stdin)


def command_lines(scratch: Scratch, gateway: Gateway) -> list[tuple[str, ...]]:
    profiles = str(scratch.root / "profiles")
    team = ("team", "--profiles-dir", profiles)
    broken = scratch.root / "broken-home"
    lines: list[tuple[str, ...]] = [
        ("profiles",),
        ("profiles", "--json", "--profiles-dir", profiles),
        ("show", *team),
        ("show", *team, "--json", "--desktop-mcp", "bridge"),
        ("show", "local", "--json"),
        ("diff", *team),
        ("diff", *team, "--json", "--desktop-mcp", "bridge"),
        ("apply", *team, "--dry-run"),
        ("apply", *team, "--check", "--json"),
        ("apply", *team, "--yes"),
        ("apply", *team, "--yes", "--json"),  # nothing to change
        ("apply", *team, "--yes", "--desktop-mcp", "bridge"),
        ("apply", "local", "--yes", "--json", "-t", "code", "-t", "desktop", "-t", "code-mcp"),  # key moves
        ("status",),
        ("status", "--json"),
        ("explain",),
        ("explain", "--json"),
        ("doctor", "-p", "team", "--profiles-dir", profiles, "--gateway-url", gateway.url, "--timeout", "5"),
        ("doctor", "-p", "team", "--profiles-dir", profiles, "--gateway-url", gateway.url, "--json"),
        ("doctor", "--no-network", "--json"),
        ("key", "status"),
        ("key", "status", "--json"),
        ("export", *team, "-f", "managed-json"),
        ("export", *team, "-f", "mobileconfig", "--product", "desktop"),
        ("models", "--gateway-url", gateway.url),
        ("models", "--gateway-url", gateway.url, "--json"),
        ("import", "mine", "--profiles-dir", profiles),
        ("remove", "--dry-run"),
        ("remove", "--dry-run", "--json"),
        ("rollback", "--list"),
        ("rollback", "--list", "--json"),
        ("rollback", "--yes"),
        ("rollback", "--yes", "--json"),
        # error paths
        ("apply", *team),  # no terminal, no --yes
        ("apply", *team, "--yes", "--gateway-url", "http://10.9.8.7"),
        ("apply", "nowhere", "--yes"),
        ("apply", KEY, "--yes"),  # the key pasted as the profile name
        ("apply", PLAIN_KEY, "--yes"),
        ("rollback", "20000101T000000Z-000000", "--yes"),
        ("apply", *team, "--yes", "--home", str(broken)),
    ]
    return lines


@pytest.mark.parametrize("key", [KEY, PLAIN_KEY], ids=["bifrost-key", "plain-key"])
def test_no_command_prints_the_key(team: Scratch, gateway: Gateway, key: str) -> None:
    gateway.keys.add(key)
    broken = team.root / "broken-home" / ".claude" / "settings.json"
    broken.parent.mkdir(parents=True)
    broken.write_text(f'{{"env": {{"ANTHROPIC_AUTH_TOKEN": "{key}",}}}}\n')  # the key beside an error
    broken.chmod(0o600)
    leaks = []
    codes = []
    lines = command_lines(team, gateway)
    if key == PLAIN_KEY:  # caught only by registration and field names: where files are shown or quoted
        lines = [line for line in lines if line[0] in ("apply", "diff", "show", "explain", "doctor", "rollback")]
    for line in lines:
        result = fresh_invoke(team, *line, key=key)
        codes.append((line[0], result.code))
        printed = result.stdout + result.stderr
        if any(part in printed for part in secret_parts(key)):
            leaks.append(f"cbcfg {' '.join(line)}\n{result}")
        assert "Traceback" not in printed, result
    assert not leaks, "\n\n".join(leaks)
    assert ("apply", 0) in codes and ("rollback", 0) in codes
    assert ("doctor", 0) in codes
    assert_state_holds_no_key(team, key)


def test_key_on_stdin_is_never_printed(team: Scratch) -> None:
    profiles = str(team.root / "profiles")
    for line in (("show", "team"), ("diff", "team", "--json"), ("apply", "team", "--yes", "--json")):
        result = fresh_invoke(team, *line, "--profiles-dir", profiles, "--key-stdin", key=None, stdin=KEY + "\n")
        assert result.code == 0, result
        assert not any(part in result.stdout + result.stderr for part in secret_parts(KEY)), result
    assert_state_holds_no_key(team, KEY)


@pytest.mark.parametrize("key", [KEY, PLAIN_KEY], ids=["bifrost-key", "plain-key"])
def test_a_key_pasted_as_an_argument_is_not_echoed(scratch: Scratch, key: str) -> None:
    """click prints usage errors itself, naming the argument it did not expect."""
    for line in (("apply", "local", key), ("apply", "local", "--key", key), ("status", key)):
        result = scratch.run(*line, key=key)
        assert result.code == 2, result
        assert not any(part in result.stdout + result.stderr for part in secret_parts(key)), result
        assert "Traceback" not in result.stderr


def test_a_pasted_key_without_a_key_in_the_environment_is_masked_by_its_shape(scratch: Scratch) -> None:
    result = scratch.run("apply", "local", KEY, key=None)
    assert result.code == 2
    assert KEY not in result.stderr and "sk-bf-…4b68" in result.stderr


def assert_state_holds_no_key(scratch: Scratch, key: str) -> None:
    """Records and manifests hold no key; backup copies that do are 0600 in 0700 folders; the
    committed project files never hold it."""
    state = scratch.state_dir
    assert state.is_dir()
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "backups").stat().st_mode) == 0o700
    for path in state.rglob("*"):
        if path.is_dir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
            continue
        data = path.read_bytes()
        if key.encode() in data:
            assert path.parent.parent == state / "backups", f"{path} holds the key"
            assert path.name != "manifest.json"
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, path.parent
        elif path.name != "cbcfg.lock":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for committed in (scratch.project / ".mcp.json", scratch.project / ".claude" / "settings.json"):
        if committed.exists():
            assert key.encode() not in committed.read_bytes(), committed
    # Outside the state folder, the key is only in the files it was written to: no log, no cache.
    written_to = {scratch.target_path(t) for t in ("code", "code-local", "desktop", "code-mcp", "managed")}
    for path in scratch.root.rglob("*"):
        if path.is_file() and key.encode() in path.read_bytes() and state not in path.parents:
            assert path in written_to or path.parent.parent.name == "broken-home", f"{path} holds the key"
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path} holds the key"


def test_backup_listing_names_no_value(team: Scratch) -> None:
    profiles = str(team.root / "profiles")
    assert fresh_invoke(team, "apply", "team", "--yes", "--profiles-dir", profiles, key=KEY).code == 0
    listing = fresh_invoke(team, "rollback", "--list", "--json", key=None)
    assert listing.code == 0
    for part in (*secret_parts(KEY), "sk-bf-"):
        assert part not in listing.stdout
    for manifest in team.backups.glob("*/manifest.json"):
        assert KEY not in manifest.read_text()
    records = team.records.read_text()
    assert KEY not in records and "sk-bf-" not in records


def test_the_key_is_not_in_cbcfgs_process_arguments(scratch: Scratch) -> None:
    """A key given the documented ways never lands in argv (visible to every user through ps)."""
    process = scratch.start("apply", "local", "--yes", key=KEY)
    with process:
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes() if Path(f"/proc/{process.pid}").exists() else b""
        process.communicate(timeout=60)
    assert KEY.encode() not in cmdline
    assert process.returncode == 0
