"""managed: managed-settings.json under the system root; written only when named."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_bifrost_cfg.layout import Platform, Roots, resolve_layout
from claude_bifrost_cfg.targets import managed
from tests.cli_helpers import KEY, Scratch, read_json

PATHS = {
    "linux": "/r/etc/claude-code/managed-settings.json",
    "macos": "/r/Library/Application Support/ClaudeCode/managed-settings.json",
    "windows": "/r/Program Files/ClaudeCode/managed-settings.json",
}


@pytest.mark.parametrize(("platform", "path"), PATHS.items())
def test_path_on_every_platform(platform: str, path: str) -> None:
    layout = resolve_layout(Roots(Platform(platform), Path("/h"), Path("/p"), Path("/r"), home_overridden=True), {})
    assert managed.TARGET.path(layout) == Path(path)
    assert managed.TARGET.by_name_only and managed.TARGET.scope == "system"


def test_never_written_unless_named(scratch: Scratch, tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "everything.toml").write_text('extends = "local"\ntargets = ["code", "managed"]\n', "utf-8")
    args = ("apply", "everything", "--profiles-dir", str(profiles), "--system-root", str(scratch.system_root), "--yes")
    assert scratch.cbcfg(*args, key=KEY).exit_code == 0
    assert scratch.settings.exists()
    assert not any(scratch.system_root.iterdir())
    assert scratch.cbcfg(*args, "-t", "managed", key=KEY).exit_code == 0
    path = scratch.system_root / "etc" / "claude-code" / "managed-settings.json"
    assert read_json(path)["env"]["ANTHROPIC_API_KEY"] == KEY
