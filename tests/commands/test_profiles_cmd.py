"""cbcfg profiles: every profile, where it comes from, what it shadows."""

from __future__ import annotations

from pathlib import Path

from claude_bifrost_cfg.profiles import bundled_profiles_dir
from tests.cli_helpers import Scratch, write

BUNDLED = ["azure", "bedrock", "local", "production", "vertex"]


def test_the_bundled_profiles(scratch: Scratch) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("profiles")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["PROFILE", "SOURCE", "DESCRIPTION"]
    assert [line.split()[0] for line in lines[1:6]] == BUNDLED
    assert all(line.split()[1] == "bundled" for line in lines[1:6])
    assert f"Your profiles go in {scratch.home / '.config/cbcfg/profiles'}" in result.stdout
    assert scratch.tree() == before


def test_json_shape(scratch: Scratch) -> None:
    data = scratch.cbcfg("profiles", "--json").json
    assert set(data) == {"command", "profiles", "folders"}
    assert data["folders"] == {
        "user": str(scratch.home / ".config/cbcfg/profiles"),
        "bundled": str(bundled_profiles_dir()),
    }
    rows = {row["name"]: row for row in data["profiles"]}
    assert list(rows) == BUNDLED
    for row in rows.values():
        assert set(row) == {"name", "source", "path", "shadows", "description", "error"}
        assert Path(row["path"]).is_file() and row["error"] is None and row["shadows"] == []


def test_user_profiles_extend_and_shadow_bundled_ones(scratch: Scratch) -> None:
    user = scratch.home / ".config/cbcfg/profiles"
    write(user / "team.toml", 'extends = "bedrock"\ndescription = "Team gateway"\n')
    write(user / "local.toml", 'extends = "local"\ndescription = "My local"\n')
    extra = scratch.root / "extra"
    write(extra / "local.toml", 'extends = "local"\ndescription = "CI local"\n')

    rows = {row["name"]: row for row in scratch.cbcfg("profiles", "--json").json["profiles"]}
    assert rows["team"]["source"] == "user" and rows["team"]["description"] == "Team gateway"
    assert rows["local"]["source"] == "user" and rows["local"]["shadows"] == ["bundled"]
    assert rows["local"]["description"] == "My local"

    rows = {
        row["name"]: row for row in scratch.cbcfg("profiles", "--profiles-dir", str(extra), "--json").json["profiles"]
    }
    assert rows["local"]["source"] == "profiles-dir" and rows["local"]["shadows"] == ["user", "bundled"]
    assert rows["local"]["description"] == "CI local"


def test_the_user_folder_per_platform(scratch: Scratch) -> None:
    write(scratch.home / "Library/Application Support/cbcfg/profiles/mac.toml", 'description = "mac"\n')
    write(scratch.home / "AppData/Local/cbcfg/profiles/win.toml", 'description = "win"\n')
    mac = {row["name"] for row in scratch.cbcfg("profiles", "--platform", "macos", "--json").json["profiles"]}
    win = {row["name"] for row in scratch.cbcfg("profiles", "--platform", "windows", "--json").json["profiles"]}
    assert "mac" in mac and "win" not in mac
    assert "win" in win and "mac" not in win


def test_an_invalid_profile_is_listed_with_its_problem(scratch: Scratch) -> None:
    path = write(scratch.home / ".config/cbcfg/profiles/broken.toml", 'extends = "local"\n[gateway]\nurl = 5\n')
    result = scratch.cbcfg("profiles", "--json")
    assert result.exit_code == 0
    row = {row["name"]: row for row in result.json["profiles"]}["broken"]
    assert row["error"].startswith(f"{path}:3: gateway.url")
    human = scratch.cbcfg("profiles")
    assert f"invalid: {path}:3: gateway.url" in human.stdout


def test_bundled_profiles_are_found_by_an_installed_copy(scratch: Scratch) -> None:
    """As `pip install .` would lay it out: the package without the repository around it."""
    import shutil

    import claude_bifrost_cfg

    site = scratch.root / "site"
    shutil.copytree(Path(claude_bifrost_cfg.__file__).parent, site / "claude_bifrost_cfg")
    shutil.copytree(bundled_profiles_dir(), site / "claude_bifrost_cfg" / "bundled_profiles", dirs_exist_ok=True)
    result = scratch.process("profiles", "--json", env={"PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"})
    assert result.exit_code == 0, result.output
    data = result.json
    assert data["folders"]["bundled"] == str(site / "claude_bifrost_cfg" / "bundled_profiles")
    assert [row["name"] for row in data["profiles"]] == BUNDLED


def test_the_built_wheel_ships_the_bundled_profiles(scratch: Scratch) -> None:
    """`pip install .` in miniature: build the wheel offline, unpack it as site-packages, run from it."""
    import subprocess
    import sys
    import zipfile

    import pytest

    pytest.importorskip("hatchling")
    repo = Path(__file__).resolve().parents[2]
    dist = scratch.root / "dist"
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist)],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(scratch.root / "site")
    assert sorted(n for n in names if n.startswith("claude_bifrost_cfg/bundled_profiles/")) == [
        f"claude_bifrost_cfg/bundled_profiles/{name}.toml" for name in BUNDLED
    ]
    assert "claude_bifrost_cfg/schemas/claude-code-settings.schema.json" in names
    env = {"PYTHONPATH": str(scratch.root / "site"), "PYTHONSAFEPATH": "1"}
    data = scratch.process("profiles", "--json", env=env).json
    assert data["folders"]["bundled"] == str(scratch.root / "site/claude_bifrost_cfg/bundled_profiles")
    assert [row["name"] for row in data["profiles"]] == BUNDLED
    applied = scratch.process("apply", "local", "--yes", env=env)
    assert applied.exit_code == 0, applied.output
    assert scratch.settings.is_file() and scratch.desktop.is_file()
