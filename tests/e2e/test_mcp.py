"""The Code tab's MCP servers written by cbcfg: the real client connects to the gateway's /mcp
with the virtual key, from ~/.claude.json (code-mcp) and from a project's .mcp.json (project-mcp,
the key expanded from ${BIFROST_VIRTUAL_KEY})."""

from __future__ import annotations

import json

import pytest

from tests.e2e.harness import KEY_A, KEY_B, Scenario, read_json

pytestmark = pytest.mark.e2e

CONNECTED = "✔ Connected"
# The client opens with `server/discover` (MCP 2026-07-28) when the server answers it, else with
# `initialize`; either way the handshake must carry the key.
HANDSHAKES = {"server/discover", "initialize"}


def _assert_connected_with(scenario: Scenario, key: str) -> None:
    mcp = scenario.gateway.requests_to("/mcp")
    assert mcp, "the gateway saw no MCP request"
    methods = scenario.gateway.mcp_methods()
    assert HANDSHAKES & set(methods), methods
    assert "tools/list" in methods, methods
    assert {r.headers.get("authorization") for r in mcp} == {f"Bearer {key}"}


def test_code_mcp_connects_and_leaves_claudes_own_keys_alone(scenario: Scenario) -> None:
    scenario.apply("local", "code", key=KEY_A)
    scenario.ask()  # Claude Code writes its own ~/.claude.json (ids, counters, migrations)
    claude_json = scenario.home / ".claude.json"
    before = read_json(claude_json)
    assert "userID" in before and "mcpServers" not in before

    scenario.apply("local", "code-mcp", key=KEY_A)

    after = read_json(claude_json)
    assert {k: v for k, v in after.items() if k != "mcpServers"} == before
    assert after["mcpServers"]["bifrost"] == {
        "type": "http",
        "url": scenario.gateway.mcp_url,
        "headers": {"Authorization": f"Bearer {KEY_A}"},
    }
    scenario.gateway.clear_requests()
    assert scenario.mcp_status() == CONNECTED
    _assert_connected_with(scenario, KEY_A)


def test_project_mcp_connects_with_the_key_from_the_environment(scenario: Scenario) -> None:
    scenario.apply("local", "project-mcp", key=KEY_A)
    mcp_json = scenario.project / ".mcp.json"
    text = mcp_json.read_text(encoding="utf-8")
    assert KEY_A not in text  # the file is committed: only the reference is written
    entry = json.loads(text)["mcpServers"]["bifrost"]
    assert entry["headers"] == {"Authorization": "Bearer ${BIFROST_VIRTUAL_KEY}"}
    run_env = {"BIFROST_VIRTUAL_KEY": KEY_B}  # not the key cbcfg saw: expanded at run time

    # Claude Code asks before it uses a project's servers...
    assert (scenario.mcp_status(cwd=scenario.project, env=run_env) or "").startswith("⏸ Pending approval")
    assert scenario.gateway.requests_to("/mcp") == []
    # ...so approve it the way a user does (the interactive prompt records the same setting).
    settings = scenario.home / ".claude" / "settings.json"
    scenario.write_as_user(settings, json.dumps({"enabledMcpjsonServers": ["bifrost"]}))

    assert scenario.mcp_status(cwd=scenario.project, env=run_env) == CONNECTED
    _assert_connected_with(scenario, KEY_B)


def test_code_mcp_entry_survives_claude_rewriting_the_file_at_the_same_time(scenario: Scenario) -> None:
    """Claude Code rewrites ~/.claude.json several times per run; with both sides taking its lock
    (a `~/.claude.json.lock` folder) and re-reading under it, neither loses the other's keys."""
    scenario.apply("local", "code", key=KEY_A)
    scenario.ask()
    scenario.at_once(
        scenario.ask,
        lambda: scenario.apply("local", "code-mcp", key=KEY_A),
        scenario.ask,
    )
    after = read_json(scenario.home / ".claude.json")
    assert "userID" in after
    assert after["mcpServers"]["bifrost"]["url"] == scenario.gateway.mcp_url
    assert not (scenario.home / ".claude.json.lock").exists()
