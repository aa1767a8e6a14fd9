"""`cbcfg run PROFILE -- ARGS` starts the real client with the profile in effect for that one
process: its request reaches the loopback gateway with the profile's key and models, and nothing
global is written — every file of the scratch home is as it was, but for the client's own
bookkeeping (its `~/.claude.json` and session folders, which it writes on every run whatever
cbcfg does), and none of that holds the key or a settings file."""

from __future__ import annotations

import json
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import snapshot_tree
from tests.e2e.claude_client import BASE_ENV
from tests.e2e.harness import KEY_A, MESSAGES, SESSION_HEADER, Scenario, key_headers

pytestmark = pytest.mark.e2e

BEDROCK_OPUS = "bedrock/global.anthropic.claude-opus-4-6-v1"  # the bedrock profile's pin (the default model)
BEDROCK_SONNET = "bedrock/global.anthropic.claude-sonnet-4-6"
USERS_SETTINGS = '{\n  "theme": "dark",\n  "env": {"MINE": "1"}\n}\n'
# Where the client keeps its own state (it writes there on every run, with or without cbcfg).
CLIENT_STATE = (
    ".claude.json",
    ".claude/projects/",
    ".claude/sessions/",
    ".claude/backups/",
    ".claude/plugins/",
    ".cache/claude-cli-nodejs/",  # its MCP logs
)


def temp_folders() -> set[str]:
    return {path.name for path in Path(tempfile.gettempdir()).glob("cbcfg-run-*")}


def path_env(scenario: Scenario) -> dict[str, str]:
    """`claude` on PATH (the pinned client's folder first), and the client's quiet mode kept."""
    return {
        "PATH": f"{scenario.claude.binary.parent}:{BASE_ENV['PATH']}",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }


def changed_by_the_client(before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]]) -> set[str]:
    return {path for path in set(before) | set(after) if before.get(path) != after.get(path)}


def test_run_routes_one_process_and_writes_nothing_global(scenario: Scenario) -> None:
    scenario.write_as_user(scenario.home / ".claude" / "settings.json", USERS_SETTINGS)
    before = snapshot_tree(scenario.home)
    temps = temp_folders()

    proc = scenario.cbcfg(
        "run", "bedrock", "--home", str(scenario.home), "--gateway-url", scenario.gateway.url,
        "--", "-p", "say hi", "--output-format", "json",
        key=KEY_A, env=path_env(scenario),
    )  # fmt: skip

    data = json.loads(proc.stdout)
    assert data.get("is_error") is False and data.get("result") == "hi", proc.stdout + proc.stderr
    session = data["session_id"]
    requests = [r for r in scenario.gateway.requests_to(MESSAGES, "POST") if r.headers.get(SESSION_HEADER) == session]
    assert requests, "the client sent no Messages request to the gateway"
    assert key_headers(requests[-1]) == {"x-api-key": KEY_A}
    assert requests[-1].json()["model"] == BEDROCK_OPUS  # the profile's pin for the default model
    sonnet = scenario.cbcfg(
        "run", "bedrock", "--home", str(scenario.home), "--gateway-url", scenario.gateway.url,
        "--", "-p", "say hi", "--output-format", "json", "--model", "sonnet",
        key=KEY_A, env=path_env(scenario),
    )  # fmt: skip
    session = json.loads(sonnet.stdout)["session_id"]
    asked = [r for r in scenario.gateway.requests_to(MESSAGES, "POST") if r.headers.get(SESSION_HEADER) == session]
    assert asked and asked[-1].json()["model"] == BEDROCK_SONNET  # the profile's sonnet pin
    assert scenario.other.requests == []
    mcp = [r for r in scenario.gateway.requests if r.route == "/mcp"]
    assert mcp and {r.virtual_key for r in mcp} == {KEY_A}  # the profile's MCP entry, with the key

    after = snapshot_tree(scenario.home)
    changed = changed_by_the_client(before, after)
    assert before[".claude/settings.json"] == after[".claude/settings.json"]  # bytes, mode, mtime
    outside = {path for path in changed if not path.startswith(CLIENT_STATE) and after.get(path, ("dir",))[0] != "dir"}
    assert outside == set(), f"cbcfg run wrote outside the client's own state: {sorted(outside)}"
    assert not (scenario.home / ".local" / "state" / "cbcfg").exists()  # no records, no backups
    for path in changed:
        entry = after.get(path)
        if entry and entry[0] == "file":
            assert KEY_A.encode() not in entry[3], f"{path} holds the key"
            assert not Path(path).name.startswith("settings"), path
    claude_json = json.loads((scenario.home / ".claude.json").read_text())
    assert "bifrost" not in claude_json.get("mcpServers", {})  # the MCP entry was for that process only
    assert temp_folders() == temps  # the private folder is gone


def test_run_passes_the_exit_code_through(scenario: Scenario) -> None:
    script = scenario.elsewhere / "client"
    scenario.write_as_user(script, "#!/bin/sh\nexit 3\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    proc = scenario.cbcfg(
        "run", "local", "--home", str(scenario.home), "--command", str(script), key=KEY_A, check=False
    )
    assert proc.returncode == 3, proc.stderr
