"""The workflow without the CLI (what tests and an Ansible module call): request -> plan -> commit,
on real files in a scratch home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_bifrost_cfg.commands.common import build_layout, sources
from claude_bifrost_cfg.errors import RefusedError
from claude_bifrost_cfg.workflow import CLAUDE_CODE, CLAUDE_DESKTOP, apply_profile, build_request
from tests.cli_helpers import KEY, SCRUBBED_ENV


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "real-home"))
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def test_apply_profile_writes_and_reports(home: Path, tmp_path: Path) -> None:
    layout = build_layout(home, tmp_path / "project", platform="linux")
    request = build_request("local", layout, sources(layout, None), key=KEY, targets=["code", "desktop"])
    result = apply_profile(request)
    assert result.pending and result.applied and result.backup_set
    assert result.clients == (CLAUDE_CODE, CLAUDE_DESKTOP)
    assert result.summary == {"changed": 2, "unchanged": 0, "drift": 0}
    settings = json.loads((home / ".claude" / "settings.json").read_text())
    assert settings["env"]["ANTHROPIC_API_KEY"] == KEY
    assert not (tmp_path / "real-home").exists()

    again = apply_profile(build_request("local", layout, sources(layout, None), key=KEY, targets=["code", "desktop"]))
    assert not again.pending and not again.applied and again.clients == ()


def test_apply_profile_without_writing_is_a_dry_run(home: Path, tmp_path: Path) -> None:
    layout = build_layout(home, tmp_path, platform="linux")
    result = apply_profile(
        build_request("local", layout, sources(layout, None), key=KEY, targets=["code"]), write=False
    )
    assert result.pending and not result.applied and result.backup_set is None
    assert not any(home.iterdir())


def test_inputs_are_checked_as_apply_checks_them(home: Path, tmp_path: Path) -> None:
    layout = build_layout(home, tmp_path, platform="linux")
    with pytest.raises(RefusedError, match="example gateway URL"):
        build_request("production", layout, sources(layout, None), key=KEY, targets=["code"])
    assert not any(home.iterdir())
