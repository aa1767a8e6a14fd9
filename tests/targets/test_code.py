"""code: ~/.claude/settings.json (or $CLAUDE_CONFIG_DIR/settings.json), the env block."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_bifrost_cfg.layout import Platform, Roots, resolve_layout
from claude_bifrost_cfg.targets import code
from tests.cli_helpers import KEY, PLATFORMS, Scratch, read_json
from tests.test_desired import rendered


@pytest.mark.parametrize("platform", PLATFORMS)
def test_path_on_every_platform(platform: str) -> None:
    layout = resolve_layout(Roots(Platform(platform), Path("/h"), Path("/p"), home_overridden=True), {})
    assert code.TARGET.path(layout) == Path("/h/.claude/settings.json")
    layout = resolve_layout(
        Roots(Platform(platform), Path("/h"), Path("/p"), home_overridden=True), {"CLAUDE_CONFIG_DIR": "/c"}
    )
    assert code.TARGET.path(layout) == Path("/c/settings.json")


def test_interface() -> None:
    assert code.TARGET.name == "code"
    assert code.TARGET.scope == "user" and code.TARGET.settings_schema and not code.TARGET.by_name_only


def test_fragment_is_the_env_block_with_the_key() -> None:
    fragment = code.TARGET.fragment(rendered("local"))
    assert fragment.wanted == {
        "/env/ANTHROPIC_API_KEY": KEY,
        "/env/ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic",
    }
    assert fragment.secret


def test_claude_config_dir_is_honoured(scratch: Scratch) -> None:
    config_dir = scratch.root / "claude-config"
    result = scratch.cbcfg(
        "apply", "local", "-t", "code", "-t", "code-mcp", "--yes", key=KEY, env={"CLAUDE_CONFIG_DIR": str(config_dir)}
    )
    assert result.exit_code == 0, result.output
    assert read_json(config_dir / "settings.json")["env"]["ANTHROPIC_API_KEY"] == KEY
    assert read_json(config_dir / ".claude.json")["mcpServers"]["bifrost"]["url"] == "http://localhost:8080/mcp"
    assert not scratch.settings.exists() and not scratch.claude_json.exists()
