"""layout: every path per platform, as data, testable on Linux."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_bifrost_cfg.layout import Layout, LayoutPath, Platform, Roots, display_path, resolve_layout

HOME = Path("/scratch/home")
PROJECT = Path("/scratch/project")
ROOT = Path("/scratch/sysroot")


def layout(
    platform: str, env: dict[str, str] | None = None, overridden: bool = True, root: Path | None = ROOT
) -> Layout:
    roots = Roots(Platform(platform), HOME, PROJECT, root, home_overridden=overridden)
    return resolve_layout(roots, env or {})


# (platform, desktop config, managed settings, state dir, user profiles), relative to HOME / ROOT.
EXPECTED = [
    (
        "linux",
        ".config/Claude/claude_desktop_config.json",
        "etc/claude-code/managed-settings.json",
        ".local/state/cbcfg",
        ".config/cbcfg/profiles",
    ),
    (
        "macos",
        "Library/Application Support/Claude/claude_desktop_config.json",
        "Library/Application Support/ClaudeCode/managed-settings.json",
        "Library/Application Support/cbcfg",
        "Library/Application Support/cbcfg/profiles",
    ),
    (
        "windows",
        "AppData/Roaming/Claude/claude_desktop_config.json",
        "Program Files/ClaudeCode/managed-settings.json",
        "AppData/Local/cbcfg",
        "AppData/Local/cbcfg/profiles",
    ),
]


@pytest.mark.parametrize(("platform", "desktop", "managed", "state", "profiles"), EXPECTED)
def test_paths_per_platform(platform: str, desktop: str, managed: str, state: str, profiles: str) -> None:
    found = layout(platform)
    assert found.user_settings == HOME / ".claude" / "settings.json"
    assert found.claude_json == HOME / ".claude.json"
    assert found.desktop_config == HOME / desktop
    assert found.managed_settings == ROOT / managed
    assert found.state_dir == HOME / state
    assert found.user_profiles_dir == HOME / profiles
    assert found.project == PROJECT


@pytest.mark.parametrize(
    ("platform", "managed"),
    [
        ("linux", "/etc/claude-code/managed-settings.json"),
        ("macos", "/Library/Application Support/ClaudeCode/managed-settings.json"),
    ],
)
def test_managed_settings_without_a_system_root(platform: str, managed: str) -> None:
    assert str(layout(platform, root=None).managed_settings) == managed


def test_windows_managed_settings_without_a_system_root() -> None:
    managed = layout("windows", root=None).managed_settings
    assert managed.parts[-3:] == ("Program Files", "ClaudeCode", "managed-settings.json")
    assert str(managed).startswith("C:\\")


@pytest.mark.parametrize("platform", ["linux", "macos", "windows"])
def test_claude_config_dir_moves_settings_and_claude_json(platform: str) -> None:
    found = layout(platform, {"CLAUDE_CONFIG_DIR": "/elsewhere/claude"})
    assert found.user_settings == Path("/elsewhere/claude/settings.json")
    assert found.claude_json == Path("/elsewhere/claude/.claude.json")
    assert found.desktop_config == layout(platform).desktop_config  # Desktop does not read it


def test_claude_config_dir_with_a_tilde_is_under_the_home() -> None:
    assert layout("linux", {"CLAUDE_CONFIG_DIR": "~/cfg"}).user_settings == HOME / "cfg" / "settings.json"


def test_a_relative_claude_config_dir_is_under_the_project() -> None:
    assert layout("linux", {"CLAUDE_CONFIG_DIR": "cfg"}).claude_json == PROJECT / "cfg" / ".claude.json"


def test_an_empty_claude_config_dir_is_ignored() -> None:
    assert layout("linux", {"CLAUDE_CONFIG_DIR": ""}).user_settings == HOME / ".claude" / "settings.json"


def test_with_home_given_the_machines_variables_do_not_move_files() -> None:
    env = {"APPDATA": "/real/AppData/Roaming", "XDG_CONFIG_HOME": "/real/.config", "XDG_STATE_HOME": "/real/state"}
    assert layout("windows", env).desktop_config == HOME / "AppData/Roaming/Claude/claude_desktop_config.json"
    assert layout("linux", env).desktop_config == HOME / ".config/Claude/claude_desktop_config.json"
    assert layout("linux", env).state_dir == HOME / ".local/state/cbcfg"


def test_for_the_real_home_desktop_follows_appdata_and_xdg_config_home() -> None:
    env = {"APPDATA": "/real/AppData/Roaming", "XDG_CONFIG_HOME": "/real/.config"}
    windows = layout("windows", env, overridden=False)
    assert windows.desktop_config == Path("/real/AppData/Roaming/Claude/claude_desktop_config.json")
    linux = layout("linux", env, overridden=False)
    assert linux.desktop_config == Path("/real/.config/Claude/claude_desktop_config.json")
    assert layout("linux", {"XDG_CONFIG_HOME": "relative"}, overridden=False).desktop_config == (
        HOME / ".config/Claude/claude_desktop_config.json"
    )


def test_display_path_uses_a_tilde_under_the_home_only() -> None:
    assert display_path(HOME / ".claude" / "settings.json", HOME) == "~/.claude/settings.json"
    assert display_path(ROOT / "etc" / "x", HOME) == str(ROOT / "etc" / "x")


@pytest.mark.parametrize("platform", [p.value for p in Platform if p is not Platform.host()])
def test_another_platforms_managed_path_is_refused_without_a_system_root(platform: str) -> None:
    from claude_bifrost_cfg.errors import UsageError

    found = layout(platform, root=None)
    with pytest.raises(UsageError) as refused:
        found.path_of("managed_settings")
    assert "--system-root" in refused.value.line()
    assert found.path_of("user_settings") == HOME / ".claude" / "settings.json"  # user scope still works
    assert layout(platform).path_of("managed_settings") == layout(platform).managed_settings  # with a root: fine


def test_this_platforms_managed_path_needs_no_system_root() -> None:
    found = layout(Platform.host().value, root=None)
    assert found.path_of("managed_settings") == found.managed_settings


@pytest.mark.parametrize(
    "name",
    ["user_settings", "claude_json", "desktop_config", "project_settings", "project_local_settings", "project_mcp"],
)
def test_every_target_location_is_a_path_of_the_layout(name: LayoutPath) -> None:
    from claude_bifrost_cfg.targets import ALL

    found = layout("windows")
    assert any(target.location == name for target in ALL.values())
    assert found.path_of(name) in {target.path(found) for target in ALL.values()}
