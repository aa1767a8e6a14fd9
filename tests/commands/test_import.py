"""``cbcfg import NAME``: the setup in effect becomes a profile, without the key, and applying it
right away changes nothing."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.cli_helpers import KEY, Scratch, read_json, write

URL = "http://localhost:8080"


def profile_path(scratch: Scratch, name: str = "mine") -> Path:
    return scratch.home / ".config" / "cbcfg" / "profiles" / f"{name}.toml"


def hand_made(scratch: Scratch, key_env: str = "ANTHROPIC_API_KEY") -> None:
    """A setup written by hand (no cbcfg records): settings, Claude Code's MCP entry, Desktop's."""
    env = {
        key_env: KEY,
        "ANTHROPIC_BASE_URL": f"{URL}/anthropic",
        "ANTHROPIC_DEFAULT_OPUS_MODEL": "bedrock/global.anthropic.claude-opus-4-6-v1",
        "ANTHROPIC_DEFAULT_SONNET_MODEL": "bedrock/global.anthropic.claude-sonnet-4-6",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "CLAUDE_CODE_LEAKY": KEY,  # a key where it should not be: never carried into a profile
        "MY_OWN": "stays mine",
    }
    write(scratch.settings, json.dumps({"permissions": {"allow": ["Bash(ls)"]}, "env": env}, indent=2) + "\n")
    code_mcp = {"type": "http", "url": f"{URL}/mcp", "headers": {"Authorization": f"Bearer {KEY}"}}
    write(scratch.claude_json, json.dumps({"numStartups": 3, "mcpServers": {"gw": code_mcp}}, indent=2) + "\n")
    desktop = {"url": f"{URL}/mcp", "headers": {"Authorization": f"Bearer {KEY}"}}
    write(scratch.desktop, json.dumps({"mcpServers": {"gw": desktop}}, indent=2) + "\n")


def test_import_then_apply_check_changes_nothing(scratch: Scratch) -> None:
    hand_made(scratch)
    before = scratch.tree()
    result = scratch.cbcfg("import", "mine", "--json")
    assert result.exit_code == 0, result.output
    data = result.json
    assert data["command"] == "import"
    assert data["gateway_url"] == URL
    assert data["targets"] == ["code", "code-mcp", "desktop"]
    assert data["mcp"] == "gw"
    assert data["env"] == {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}

    path = profile_path(scratch)
    assert KEY not in path.read_text("utf-8") and "sk-bf-" not in path.read_text("utf-8")
    assert tomllib.loads(path.read_text("utf-8")) == {
        "description": "Imported from user ~/.claude/settings.json",
        "targets": ["code", "code-mcp", "desktop"],
        "gateway": {"url": URL, "require_key": True, "key_env": "ANTHROPIC_API_KEY"},
        "models": {
            "sonnet": "bedrock/global.anthropic.claude-sonnet-4-6",
            "opus": "bedrock/global.anthropic.claude-opus-4-6-v1",
        },
        "env": {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"},
        "mcp": {"enabled": True, "name": "gw"},
    }
    after_import = scratch.tree()
    assert {k for k in after_import if k not in before} == {
        "home/.config/cbcfg",
        "home/.config/cbcfg/profiles",
        "home/.config/cbcfg/profiles/mine.toml",
    }

    check = scratch.cbcfg("apply", "mine", "--check", "--desktop-mcp", "url", key=KEY)  # the hand-made url entry
    assert check.exit_code == 0, check.output
    assert "Nothing to change" in check.stdout
    assert scratch.tree() == after_import


def test_import_after_an_apply_keeps_the_key_in_place(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "bedrock", "-t", "code", "--yes", key=KEY).exit_code == 0
    result = scratch.cbcfg("import", "mine")
    assert result.exit_code == 0, result.output
    assert "no key in it" in result.stdout
    check = scratch.cbcfg("apply", "mine", "--check")  # no key given: the one in place is kept
    assert check.exit_code == 0, check.output
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == KEY


def test_import_keeps_the_variable_the_key_is_in(scratch: Scratch) -> None:
    hand_made(scratch, key_env="ANTHROPIC_AUTH_TOKEN")
    assert scratch.cbcfg("import", "mine").exit_code == 0
    gateway = tomllib.loads(profile_path(scratch).read_text("utf-8"))["gateway"]
    assert gateway["key_env"] == "ANTHROPIC_AUTH_TOKEN"
    assert scratch.cbcfg("apply", "mine", "--check", "--desktop-mcp", "url", key=KEY).exit_code == 0


def test_import_from_the_project_local_file(scratch: Scratch) -> None:
    local = scratch.project / ".claude" / "settings.local.json"
    write(local, json.dumps({"env": {"ANTHROPIC_BASE_URL": "http://127.0.0.1:4000/anthropic"}}))
    result = scratch.cbcfg("import", "here", "--json")
    assert result.exit_code == 0, result.output
    assert result.json["targets"] == ["code-local"]
    data = tomllib.loads(profile_path(scratch, "here").read_text("utf-8"))
    assert data["gateway"] == {"url": "http://127.0.0.1:4000", "require_key": False, "key_env": "ANTHROPIC_API_KEY"}
    assert data["mcp"] == {"enabled": False}
    assert scratch.cbcfg("apply", "here", "--check").exit_code == 0


def test_import_with_profiles_dir(scratch: Scratch, tmp_path: Path) -> None:
    hand_made(scratch)
    folder = tmp_path / "profiles"
    result = scratch.cbcfg("import", "mine", "--profiles-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert (folder / "mine.toml").is_file() and not profile_path(scratch).exists()


@pytest.mark.parametrize(
    ("setup", "name", "code", "message"),
    [
        (None, "mine", 5, "no Bifrost setup in effect"),
        ("https://api.anthropic.com", "mine", 5, "is not a Bifrost URL ending in /anthropic"),
        ("ok", "../mine", 4, "is not a profile name"),
        ("ok", "exists", 5, "profile 'exists' exists"),
    ],
)
def test_import_refusals_write_nothing(scratch: Scratch, setup: str | None, name: str, code: int, message: str) -> None:
    if setup == "ok":
        hand_made(scratch)
        write(profile_path(scratch, "exists"), 'description = "mine"\n')
    elif setup is not None:
        write(scratch.settings, json.dumps({"env": {"ANTHROPIC_BASE_URL": setup}}))
    before = scratch.tree()
    result = scratch.cbcfg("import", name)
    assert result.exit_code == code, result.output
    assert message in result.error_line()
    assert scratch.tree() == before
