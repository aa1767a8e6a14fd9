"""After `cbcfg rollback`, the real client is back on the previous gateway, key and models."""

from __future__ import annotations

import json

import pytest

from tests.e2e.harness import KEY_A, KEY_B, Scenario, key_headers

pytestmark = pytest.mark.e2e


def test_rollback_puts_the_client_back_on_the_previous_gateway(scenario: Scenario) -> None:
    settings = scenario.home / ".claude" / "settings.json"
    scenario.apply("local", "code", key=KEY_A)
    first = settings.read_bytes()
    report = scenario.apply("bedrock", "code", gateway=scenario.other, key=KEY_B)
    set_id = report["backup_set"]
    assert set_id, report

    switched = scenario.ask()
    assert switched.gateway is scenario.other
    assert key_headers(switched.request) == {"x-api-key": KEY_B}
    assert switched.model.startswith("bedrock/")

    rolled = scenario.cbcfg("rollback", set_id, "--yes", "--json", *scenario.roots())
    assert json.loads(rolled.stdout)

    assert settings.read_bytes() == first
    back = scenario.ask()
    assert back.gateway is scenario.gateway
    assert key_headers(back.request) == {"x-api-key": KEY_A}
    assert back.model.startswith("claude-opus-")  # local pins nothing: the stale bedrock pins are gone
