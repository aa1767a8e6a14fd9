"""Managed settings as they work in the field: `cbcfg apply … --target managed` runs as root, the
client runs as a normal user and must still read the file (issue 12, item 1: a 0600 root file is
skipped silently and the user's own settings win)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.e2e.harness import KEY_A, KEY_B, Scenario, key_headers, read_json

pytestmark = pytest.mark.e2e

ORG_SETTINGS = {
    "companyAnnouncements": ["Builds run through the company gateway."],
    "permissions": {"deny": ["Bash(curl:*)"]},
    "env": {"ORG_PROXY_NOTE": "kept"},
}


def _needs_mount(scenario: Scenario) -> None:
    if not scenario.isolation.mnt:
        pytest.skip(f"cannot show a scratch /etc/claude-code to the client alone: {scenario.isolation.reason}")


def test_the_client_runs_as_the_user(scenario: Scenario) -> None:
    """The harness itself: what the client writes in the home is the user's, not root's."""
    scenario.apply("local", "code", key=KEY_A)
    scenario.ask()
    expected = scenario.account.uid if scenario.account else os.getuid()
    assert (scenario.home / ".claude.json").stat().st_uid == expected


def test_managed_settings_applied_as_root_reach_the_users_client(scenario: Scenario) -> None:
    _needs_mount(scenario)
    scenario.apply("local", "code", key=KEY_A)  # the user's own set-up, which managed must beat
    scenario.apply("bedrock", "managed", gateway=scenario.other, key=KEY_B)
    managed = scenario.managed_dir / "managed-settings.json"
    assert managed.stat().st_uid == 0  # written by root, as `sudo cbcfg` does

    # The user can read it (the client reads it as this user, and skips it silently otherwise).
    shown = scenario.as_user(["cat", str(managed)]).stdout
    assert json.loads(shown) == read_json(managed)

    turn = scenario.ask(managed=True)

    env = read_json(managed)["env"]
    assert env["ANTHROPIC_BASE_URL"] == scenario.other.anthropic_url
    assert turn.gateway is scenario.other
    assert key_headers(turn.request) == {"x-api-key": KEY_B}
    assert turn.model == env["ANTHROPIC_DEFAULT_OPUS_MODEL"]  # the default model is Opus


def test_an_org_managed_file_keeps_its_mode_and_its_keys(scenario: Scenario) -> None:
    _needs_mount(scenario)
    scenario.managed_dir.mkdir(parents=True)
    scenario.managed_dir.chmod(0o755)
    managed = scenario.managed_dir / "managed-settings.json"
    managed.write_text(json.dumps(ORG_SETTINGS, indent=2) + "\n", encoding="utf-8")
    managed.chmod(0o644)

    scenario.apply("bedrock", "managed", gateway=scenario.other, key=KEY_B)

    assert stat.S_IMODE(managed.stat().st_mode) == 0o644
    after = read_json(managed)
    for key in ("companyAnnouncements", "permissions"):
        assert after[key] == ORG_SETTINGS[key]
    assert after["env"]["ORG_PROXY_NOTE"] == "kept"
    turn = scenario.ask(managed=True)
    assert turn.gateway is scenario.other
    assert key_headers(turn.request) == {"x-api-key": KEY_B}
