"""Settings layers in the real client: a project's settings.local.json written by cbcfg wins over
the user file in that project only, `cbcfg explain` names the same winner, and managed settings
(shown to the client at /etc/claude-code through a private mount namespace) win over both."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from tests.e2e.harness import KEY_A, KEY_B, Scenario, key_headers

pytestmark = pytest.mark.e2e

BEDROCK_OPUS_PREFIX = "bedrock/"


def _user_on_local(scenario: Scenario) -> None:
    """The user file: profile local on the main gateway with key A (unpinned models)."""
    scenario.apply("local", "code", key=KEY_A)


def test_code_local_overrides_the_user_file_for_that_project_only(scenario: Scenario) -> None:
    _user_on_local(scenario)
    scenario.apply("bedrock", "code-local", gateway=scenario.other, key=KEY_B)
    assert (scenario.project / ".claude" / "settings.local.json").is_file()

    inside, outside = scenario.at_once(
        lambda: scenario.ask(cwd=scenario.project), lambda: scenario.ask(cwd=scenario.elsewhere)
    )

    assert inside.gateway is scenario.other
    assert key_headers(inside.request) == {"x-api-key": KEY_B}
    assert inside.model.startswith(BEDROCK_OPUS_PREFIX)
    assert outside.gateway is scenario.gateway
    assert key_headers(outside.request) == {"x-api-key": KEY_A}
    assert outside.model.startswith("claude-opus-")


def _explain(scenario: Scenario, key: str) -> dict[str, Any]:
    """`cbcfg explain KEY --json`: the winning value of KEY and the layer it comes from."""
    proc = scenario.cbcfg("explain", key, "--json", *scenario.roots())
    report = json.loads(proc.stdout)
    [entry] = [e for e in report["settings"] if e["key"] == key]
    assert isinstance(entry, dict)
    return entry


def test_explain_names_the_layer_the_client_used(scenario: Scenario) -> None:
    _user_on_local(scenario)
    scenario.apply("bedrock", "code-local", gateway=scenario.other, key=KEY_B)
    turn = scenario.ask(cwd=scenario.project)
    assert turn.gateway is scenario.other  # the client used settings.local.json

    base_url = _explain(scenario, "ANTHROPIC_BASE_URL")
    assert base_url["value"] == scenario.other.anthropic_url
    assert base_url["layer"] == "project-local"
    assert base_url["file"].endswith(".claude/settings.local.json")
    assert [s["value"] for s in base_url["shadowed"]] == [scenario.gateway.anthropic_url]
    opus = _explain(scenario, "ANTHROPIC_DEFAULT_OPUS_MODEL")
    assert (opus["value"], opus["layer"]) == (turn.model, "project-local")


def test_managed_settings_override_the_user_file(scenario: Scenario) -> None:
    if not scenario.isolation.mnt:
        pytest.skip(f"cannot show a scratch /etc/claude-code to the client alone: {scenario.isolation.reason}")
    _user_on_local(scenario)
    scenario.apply("bedrock", "managed", gateway=scenario.other, key=KEY_B)
    assert (scenario.managed_dir / "managed-settings.json").is_file()

    etc_before = sorted(os.listdir("/etc"))

    managed, plain = scenario.at_once(lambda: scenario.ask(managed=True), lambda: scenario.ask())

    assert managed.gateway is scenario.other
    assert key_headers(managed.request) == {"x-api-key": KEY_B}
    assert managed.model.startswith(BEDROCK_OPUS_PREFIX)
    # The same user, without the managed folder mounted: back on the user file.
    assert plain.gateway is scenario.gateway
    assert key_headers(plain.request) == {"x-api-key": KEY_A}
    explained = _explain(scenario, "ANTHROPIC_BASE_URL")
    assert (explained["value"], explained["layer"]) == (scenario.other.anthropic_url, "managed")
    # The mount was the client's alone: the machine's /etc is as it was.
    assert sorted(os.listdir("/etc")) == etc_before
