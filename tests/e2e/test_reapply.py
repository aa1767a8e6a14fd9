"""A later apply keeps the client working (issue 12, items 4 and 5): a key cbcfg set and the user
deleted is drift that `--check` reports and a plain apply restores; the key already in place is
kept when the shell has none."""

from __future__ import annotations

import pytest

from tests.e2e.harness import KEY_A, Scenario, key_headers

pytestmark = pytest.mark.e2e


def test_a_deleted_base_url_fails_check_and_apply_restores_it(scenario: Scenario) -> None:
    scenario.apply("local", "code", key=KEY_A)
    settings = scenario.home / ".claude" / "settings.json"
    check = ["apply", "local", "--check", "--target", "code", *scenario.roots(), "--gateway-url", scenario.gateway.url]
    assert scenario.cbcfg(*check, key=KEY_A, check=False).returncode == 0  # applied: nothing pending

    scenario.edit_json_as_user(settings, lambda data: data["env"].pop("ANTHROPIC_BASE_URL"))

    assert scenario.cbcfg(*check, key=KEY_A, check=False).returncode in (10, 11)
    scenario.apply("local", "code", key=KEY_A)
    turn = scenario.ask()
    assert turn.gateway is scenario.gateway
    assert key_headers(turn.request) == {"x-api-key": KEY_A}


def test_the_key_in_place_is_kept_by_applies_without_one(scenario: Scenario) -> None:
    scenario.apply("local", "code", key=KEY_A)

    scenario.apply("local", "code", key=None)  # a new shell, BIFROST_VIRTUAL_KEY not set
    again = scenario.ask()
    assert key_headers(again.request) == {"x-api-key": KEY_A}

    scenario.apply("bedrock", "code", key=None)  # switching profile, still no key in the shell
    switched = scenario.ask()
    assert key_headers(switched.request) == {"x-api-key": KEY_A}
    assert switched.model.startswith("bedrock/")
