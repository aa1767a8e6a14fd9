"""doctor judges what the client really does (issue 12, items 2 and 3): the model the client's
default request names, and the key Bifrost reads when a layer sets two credentials."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.harness import KEY_A, KEY_B, Scenario, key_headers

pytestmark = pytest.mark.e2e

SONNET = "bedrock/global.anthropic.claude-sonnet-4-6"
HAIKU = "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0"
TWO_PINS = f'''description = "sonnet and haiku pinned, opus not"
extends = "local"

[models]
sonnet = "{SONNET}"
haiku = "{HAIKU}"
'''


def _doctor(scenario: Scenario, *options: str) -> list[dict[str, Any]]:
    proc = scenario.cbcfg("doctor", "--json", *options, *scenario.roots(), check=False)
    assert proc.returncode in (0, 8), proc.stderr
    rows = json.loads(proc.stdout)["results"]
    assert isinstance(rows, list)
    return rows


def _levels(rows: list[dict[str, Any]], check: str) -> list[str]:
    return [str(r["level"]) for r in rows if r["check"] == check]


def test_opus_alias_with_only_sonnet_and_haiku_pinned_is_a_warning(scenario: Scenario) -> None:
    scenario.write_as_user(scenario.home / ".config" / "cbcfg" / "profiles" / "two-pins.toml", TWO_PINS)
    scenario.apply("two-pins", "code", key=KEY_A)
    settings = scenario.home / ".claude" / "settings.json"
    scenario.edit_json_as_user(settings, lambda data: data.update(model="opus"))

    turn = scenario.ask()

    # Observed: the alias resolves to Claude Code's own Opus name; no pin applies to it.
    assert turn.model.startswith("claude-opus-"), turn.model
    levels = _levels(_doctor(scenario, "--no-network"), "opus-pin")
    assert "warning" in levels, levels
    assert "ok" not in levels, levels


def test_two_credentials_doctor_judges_the_key_bifrost_reads(scenario: Scenario) -> None:
    scenario.apply("local", "code", key=KEY_A)  # env.ANTHROPIC_API_KEY = key A
    settings = scenario.home / ".claude" / "settings.json"
    scenario.edit_json_as_user(settings, lambda data: data["env"].update(ANTHROPIC_AUTH_TOKEN=KEY_B))
    # Bifrost reads Bearer before x-api-key: only key B is this gateway's.
    scenario.gateway.keys = {KEY_B}

    turn = scenario.ask()

    # Observed: the client sends both credentials.
    assert key_headers(turn.request) == {"x-api-key": KEY_A, "authorization": f"Bearer {KEY_B}"}
    assert turn.request.virtual_key == KEY_B
    rows = _doctor(scenario, "--timeout", "10")
    assert _levels(rows, "key") == ["ok"], rows
    conflicts = [
        r
        for r in rows
        if r["level"] == "warning"
        and all(name in f"{r['message']} {r['fix']}" for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"))
    ]
    assert conflicts, rows
