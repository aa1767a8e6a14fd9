"""doctor's verdicts against what the real client does with the same files: the default model an
alias picks, the credentials it sends when two layers set one each, and the drop-ins it reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.harness import KEY_A, KEY_B, Scenario, key_headers, read_json

pytestmark = pytest.mark.e2e


def _doctor(scenario: Scenario, *args: str) -> list[dict[str, Any]]:
    proc = scenario.cbcfg("doctor", "--json", *scenario.roots(), *args, check=False)
    rows: list[dict[str, Any]] = json.loads(proc.stdout)["results"]
    return rows


def _write(path: Any, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")


def test_an_opus_alias_beside_sonnet_and_haiku_pins_sends_unpinned_opus(scenario: Scenario) -> None:
    scenario.apply("bedrock", "code", key=KEY_A)
    user = scenario.home / ".claude" / "settings.json"
    document = read_json(user)
    del document["env"]["ANTHROPIC_DEFAULT_OPUS_MODEL"]
    _write(user, document)
    user.chmod(0o600)
    _write(scenario.project / ".claude" / "settings.json", {"model": "opus"})

    turn = scenario.ask(cwd=scenario.project)
    [row] = [r for r in _doctor(scenario, "--no-network") if r["check"] == "opus-pin"]

    assert turn.model.startswith("claude-opus-")  # the client: unpinned Opus
    assert row["level"] == "warning"  # doctor: says so, and where the alias is set
    assert "model = 'opus' (project " in row["message"] and "claude-opus-…" in row["message"]


def test_two_credentials_the_client_sends_both_and_doctor_judges_the_bearer_one(scenario: Scenario) -> None:
    scenario.apply("local", "code", key=KEY_A)  # ANTHROPIC_API_KEY = KEY_A in the user file
    _write(scenario.project / ".claude" / "settings.local.json", {"env": {"ANTHROPIC_AUTH_TOKEN": KEY_B}})
    scenario.gateway.keys.discard(KEY_A)  # only the Bearer key is valid: Bifrost reads that one

    turn = scenario.ask(cwd=scenario.project)
    scenario.gateway.clear_requests()
    rows = _doctor(scenario)

    assert key_headers(turn.request) == {"x-api-key": KEY_A, "authorization": f"Bearer {KEY_B}"}
    assert turn.request.virtual_key == KEY_B
    [key_row] = [r for r in rows if r["check"] == "key"]
    assert key_row["level"] == "ok" and KEY_B[-4:] in key_row["message"]
    [listing] = scenario.gateway.requests_to("/anthropic/v1/models")
    assert key_headers(listing) == key_headers(turn.request)  # doctor sends what the client sends
    assert any(r["message"].startswith("two credentials") for r in rows)


def test_a_hidden_drop_in_is_ignored_by_the_client_and_by_explain(scenario: Scenario) -> None:
    if not scenario.isolation.mnt:
        pytest.skip(f"cannot show a scratch /etc/claude-code to the client alone: {scenario.isolation.reason}")
    scenario.apply("local", "code", key=KEY_A)
    drop_ins = scenario.managed_dir / "managed-settings.d"
    _write(drop_ins / ".90-hidden.json", {"env": {"ANTHROPIC_BASE_URL": scenario.other.anthropic_url}})
    (drop_ins / ".90-hidden.json").chmod(0o644)
    for folder in (scenario.managed_dir, drop_ins):
        folder.chmod(0o755)

    turn = scenario.ask(managed=True)
    explained = json.loads(scenario.cbcfg("explain", "ANTHROPIC_BASE_URL", "--json", *scenario.roots()).stdout)

    assert turn.gateway is scenario.gateway
    [row] = explained["settings"]
    assert (row["value"], row["layer"]) == (scenario.gateway.anthropic_url, "user")
