"""code-mcp: mcpServers.bifrost in ~/.claude.json, a large file Claude Code rewrites: touch nothing else."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from claude_bifrost_cfg.layout import Platform, Roots, resolve_layout
from claude_bifrost_cfg.targets import code_mcp
from tests.cli_helpers import KEY, PLATFORMS, Scratch, read_json, write
from tests.test_desired import rendered


@pytest.mark.parametrize("platform", PLATFORMS)
def test_path_on_every_platform(platform: str) -> None:
    layout = resolve_layout(Roots(Platform(platform), Path("/h"), Path("/p"), home_overridden=True), {})
    assert code_mcp.TARGET.path(layout) == Path("/h/.claude.json")
    assert code_mcp.TARGET.claude_lock


def test_fragment_is_an_http_entry() -> None:
    assert code_mcp.TARGET.fragment(rendered("local")).wanted == {
        "/mcpServers/bifrost": {
            "type": "http",
            "url": "http://localhost:8080/mcp",
            "headers": {"Authorization": f"Bearer {KEY}"},
        }
    }


def _claude_json() -> str:
    projects = {f"/home/u/p{i}": {"allowedTools": [], "history": [{"display": "x" * 50}] * 20} for i in range(200)}
    head = json.dumps({"numStartups": 41, "userID": "abc", "projects": projects}, indent=2)
    return head[:-2] + ',\n  "mcpServers": {\n    "mine": {"type": "stdio", "command": "x"}\n  }\n}\n'


def test_only_the_bifrost_entry_changes_in_a_large_file(scratch: Scratch) -> None:
    before = _claude_json()
    write(scratch.claude_json, before)
    assert scratch.cbcfg("apply", "local", "-t", "code-mcp", "--yes", key=KEY).exit_code == 0
    after = scratch.claude_json.read_bytes().decode()
    cut = before.index('    "mine"')
    assert after[:cut] == before[:cut]
    assert after.endswith("\n  }\n}\n")
    servers = read_json(scratch.claude_json)["mcpServers"]
    assert servers["mine"] == {"type": "stdio", "command": "x"}
    assert servers["bifrost"]["type"] == "http"
    assert not Path(str(scratch.claude_json) + ".lock").exists()  # Claude's lock released


def test_a_stale_claude_lock_is_taken_over(scratch: Scratch) -> None:
    write(scratch.claude_json, "{}\n")
    lock = Path(str(scratch.claude_json) + ".lock")
    lock.mkdir()
    old = time.time() - 60
    os.utime(lock, (old, old))
    assert scratch.cbcfg("apply", "local", "-t", "code-mcp", "--yes", key=KEY).exit_code == 0
    assert "bifrost" in read_json(scratch.claude_json)["mcpServers"]
    assert not lock.exists()
