"""cbcfg show: the rendered desired state per target; reads no target file, writes nothing."""

from __future__ import annotations

import pytest

from tests.cli_helpers import ALL_TARGETS, KEY, PROFILES, Scratch, profile_args, targets_args, write


def test_show_local(scratch: Scratch) -> None:
    result = scratch.cbcfg("show", "local")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Profile local (bundled; local): Bifrost on this machine")
    assert "Gateway: http://localhost:8080" in out
    assert "~/.claude/settings.json (code)" in out
    assert "  /env/ANTHROPIC_BASE_URL = http://localhost:8080/anthropic" in out
    assert "note: ANTHROPIC_API_KEY left out" in out


@pytest.mark.parametrize("profile", PROFILES)
def test_show_needs_no_key_and_masks_one(scratch: Scratch, profile: str) -> None:
    without = scratch.cbcfg("show", profile, *profile_args(profile))
    assert without.exit_code == 0, without.output
    with_key = scratch.cbcfg("show", profile, *profile_args(profile), "--json", key=KEY)
    keys = with_key.json["files"][0]["keys"]
    assert keys["/env/ANTHROPIC_API_KEY"] == f"sk-bf-…{KEY[-4:]}"


def test_json_shape(scratch: Scratch) -> None:
    result = scratch.cbcfg(
        "show",
        "bedrock",
        "--desktop-mcp",
        "url",
        *targets_args(ALL_TARGETS),
        "--system-root",
        str(scratch.system_root),
        "--platform",
        "macos",
        "--json",
        key=KEY,
    )
    assert result.exit_code == 0, result.output
    data = result.json
    assert set(data) == {
        "command",
        "profile",
        "description",
        "source",
        "extends",
        "gateway_url",
        "models",
        "files",
        "warnings",
    }
    assert data["warnings"] == []
    assert data["extends"] == ["local"] and data["source"] == "bundled"
    assert set(data["models"]) == {"sonnet", "opus", "haiku"}
    files = {entry["target"]: entry for entry in data["files"]}
    assert list(files) == list(ALL_TARGETS)
    for entry in files.values():
        assert set(entry) == {"target", "path", "keys", "notes"}
    assert files["desktop"]["path"] == "~/Library/Application Support/Claude/claude_desktop_config.json"
    assert files["managed"]["path"] == str(
        scratch.system_root / "Library/Application Support/ClaudeCode/managed-settings.json"
    )
    assert files["desktop"]["keys"]["/mcpServers/bifrost"]["headers"] == {"Authorization": f"Bearer sk-bf-…{KEY[-4:]}"}
    assert files["project-mcp"]["keys"]["/mcpServers/bifrost"]["headers"] == {
        "Authorization": "Bearer ${BIFROST_VIRTUAL_KEY}"
    }
    assert "/env/ANTHROPIC_API_KEY" not in files["code-project"]["keys"]


def test_show_reads_no_target_file(scratch: Scratch) -> None:
    write(scratch.settings, b"{ this is not json")
    scratch.desktop.mkdir(parents=True)
    before = scratch.tree()
    result = scratch.cbcfg("show", "vertex", key=KEY)
    assert result.exit_code == 0, result.output
    assert scratch.tree() == before


def test_show_a_user_profile(scratch: Scratch) -> None:
    write(scratch.home / ".config/cbcfg/profiles/team.toml", 'extends = "azure"\ndescription = "Team"\n')
    data = scratch.cbcfg("show", "team", "--json").json
    assert data["source"] == "user" and data["extends"] == ["azure", "local"] and data["description"] == "Team"


def test_show_an_unknown_profile(scratch: Scratch) -> None:
    result = scratch.cbcfg("show", "nope")
    assert result.exit_code == 4
    assert "no profile named 'nope'" in result.error_line()


def test_show_renders_the_production_example_url_with_a_warning(scratch: Scratch) -> None:
    """show writes nothing, so the example URL is shown (apply refuses it)."""
    result = scratch.cbcfg("show", "production", "--json")
    assert result.exit_code == 0, result.output
    assert result.json["gateway_url"] == "https://bifrost.example.com"
    assert "example URL" in result.json["warnings"][0]
    assert scratch.cbcfg("apply", "production", "--yes", key=KEY).exit_code == 5
