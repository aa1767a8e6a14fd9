"""managed-dropin: cbcfg's own managed-settings.d/50-cbcfg.json; the organisation's main file untouched."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from claude_bifrost_cfg.layout import Platform, Roots, resolve_layout
from claude_bifrost_cfg.targets import managed_dropin
from tests.cli_helpers import KEY, Scratch, read_json, write

PATHS = {
    "linux": "/r/etc/claude-code/managed-settings.d/50-cbcfg.json",
    "macos": "/r/Library/Application Support/ClaudeCode/managed-settings.d/50-cbcfg.json",
    "windows": "/r/Program Files/ClaudeCode/managed-settings.d/50-cbcfg.json",
}
ORG = '{\n  "permissions": {"deny": ["Bash(curl:*)"]},\n  "env": {"ANTHROPIC_BASE_URL": "https://org.example/anthropic"}\n}\n'


@pytest.mark.parametrize(("platform", "path"), PATHS.items())
def test_path_on_every_platform(platform: str, path: str) -> None:
    layout = resolve_layout(Roots(Platform(platform), Path("/h"), Path("/p"), Path("/r"), home_overridden=True), {})
    assert managed_dropin.TARGET.path(layout) == Path(path)
    assert managed_dropin.TARGET.by_name_only and managed_dropin.TARGET.readable_by_all


def test_the_org_file_is_never_opened_for_writing(scratch: Scratch) -> None:
    folder = scratch.system_root / "etc" / "claude-code"
    org = write(folder / "managed-settings.json", ORG)
    org.chmod(0o640)  # whatever the organisation chose: cbcfg does not own this file
    before = org.stat()
    old = os.umask(0o077)
    try:
        result = scratch.cbcfg(
            "apply", "local", "-t", "managed-dropin", "--system-root", str(scratch.system_root), "--yes", key=KEY
        )
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert org.read_text("utf-8") == ORG
    after = org.stat()
    assert (after.st_mode, after.st_uid, after.st_gid, after.st_mtime_ns) == (
        before.st_mode,
        before.st_uid,
        before.st_gid,
        before.st_mtime_ns,
    )
    drop_in = folder / "managed-settings.d" / "50-cbcfg.json"
    assert read_json(drop_in)["env"]["ANTHROPIC_BASE_URL"] == "http://localhost:8080/anthropic"
    assert stat.S_IMODE(drop_in.stat().st_mode) == 0o644  # every user's client must read it
    assert stat.S_IMODE(drop_in.parent.stat().st_mode) == 0o755


def test_never_written_unless_named_and_idempotent(scratch: Scratch, tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "fleet.toml").write_text('extends = "local"\ntargets = ["code", "managed-dropin"]\n', "utf-8")
    args = ("apply", "fleet", "--profiles-dir", str(profiles), "--system-root", str(scratch.system_root), "--yes")
    assert scratch.cbcfg(*args, key=KEY).exit_code == 0
    assert not any(scratch.system_root.iterdir())
    first = scratch.cbcfg(*args, "-t", "managed-dropin", "--json", key=KEY)
    assert first.json["files"][0]["path"].endswith("managed-settings.d/50-cbcfg.json")
    again = scratch.cbcfg(*args, "-t", "managed-dropin", "--json", key=KEY)
    assert again.json["summary"]["changed"] == 0
    assert json.loads((scratch.system_root / PATHS["linux"][3:]).read_text("utf-8"))["env"]["ANTHROPIC_API_KEY"] == KEY
