"""doctor's first-run check on real files in a scratch home, through the real cbcfg: the answer
~/.claude.json holds for ANTHROPIC_API_KEY, a claude.ai login competing with the gateway
credential, onboarding left to do — each with its fix, no key or token printed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from claude_bifrost_cfg.checks import first_run
from claude_bifrost_cfg.checks.local import LOCAL_CHECKS
from tests.cli_helpers import OTHER_KEY, Scratch, scratch, write

__all__ = ["scratch"]

KEY = "sk-bf-first-run-0001aaaa"
OAUTH_ACCESS = "sk-ant-oat01-scratch-claude-ai-access-0001"
OAUTH_REFRESH = "sk-ant-ort01-scratch-claude-ai-refresh-0001"
GATEWAY = "http://127.0.0.1:8080/anthropic"


def settings(scratch: Scratch, env: dict[str, str], **extra: Any) -> None:
    write(scratch.settings, json.dumps({"env": {"ANTHROPIC_BASE_URL": GATEWAY, **env}, **extra}, indent=2) + "\n")


def client_state(
    scratch: Scratch, *, approved: Sequence[str] = (), rejected: Sequence[str] = (), onboarded: bool = True
) -> None:
    state = {
        "numStartups": 3,
        "customApiKeyResponses": {"approved": list(approved), "rejected": list(rejected)},
        "hasCompletedOnboarding": onboarded,
        "projects": {str(scratch.project): {"hasTrustDialogAccepted": True, "history": ["x" * 100] * 50}},
    }
    write(scratch.claude_json, json.dumps(state, indent=2) + "\n")


def claude_ai_login(scratch: Scratch) -> None:
    oauth = {
        "accessToken": OAUTH_ACCESS,
        "refreshToken": OAUTH_REFRESH,
        "expiresAt": 4102444800000,
        "scopes": ["user:inference", "user:profile"],
        "subscriptionType": "max",
    }
    write(scratch.home / ".claude" / ".credentials.json", json.dumps({"claudeAiOauth": oauth}))


def rows(scratch: Scratch) -> list[dict[str, Any]]:
    before = scratch.claude_json.read_bytes() if scratch.claude_json.exists() else None
    result = scratch.cbcfg("doctor", "--no-network", "--json", "--system-root", str(scratch.system_root))
    for secret in (KEY, OAUTH_ACCESS, OAUTH_REFRESH, KEY[-20:]):
        assert secret not in result.output
    after = scratch.claude_json.read_bytes() if scratch.claude_json.exists() else None
    assert after == before  # doctor never writes the client's file
    found: list[dict[str, Any]] = [r for r in json.loads(result.stdout)["results"] if r["check"] == "first-run"]
    for row in found:
        assert "\n" not in row["message"] + row["fix"]
    return found


def levels(found: list[dict[str, Any]]) -> list[str]:
    return [row["level"] for row in found]


def test_registered_with_the_local_checks() -> None:
    assert first_run in LOCAL_CHECKS


def test_an_approved_key_is_ok(scratch: Scratch) -> None:
    settings(scratch, {"ANTHROPIC_API_KEY": KEY})
    client_state(scratch, approved=[KEY[-20:]])
    (row,) = rows(scratch)
    assert row["level"] == "ok" and "approved" in row["message"] and "sk-bf-…aaaa" in row["message"]


def test_a_rejected_key_fails_with_the_fix(scratch: Scratch) -> None:
    settings(scratch, {"ANTHROPIC_API_KEY": KEY})
    client_state(scratch, rejected=[KEY[-20:]])
    (row,) = rows(scratch)
    assert row["level"] == "failed" and "rejected" in row["message"] and "Not logged in" in row["message"]
    assert "Use custom API key" in row["fix"] and "ANTHROPIC_AUTH_TOKEN" in row["fix"]


def test_a_key_not_yet_asked_about_warns_that_enter_rejects_it(scratch: Scratch) -> None:
    settings(scratch, {"ANTHROPIC_API_KEY": KEY})
    client_state(scratch, approved=["some-other-key-tail0"])
    (row,) = rows(scratch)
    assert row["level"] == "warning" and "Enter rejects it" in row["message"]
    assert "choose Yes" in row["fix"]


def test_no_client_state_yet_also_warns_about_the_connectivity_check(scratch: Scratch) -> None:
    settings(scratch, {"ANTHROPIC_API_KEY": KEY})
    found = rows(scratch)
    assert levels(found) == ["warning", "warning"]
    assert "api.anthropic.com" in found[1]["message"]


def test_the_bearer_variable_is_never_asked_about(scratch: Scratch) -> None:
    settings(scratch, {"ANTHROPIC_AUTH_TOKEN": KEY})
    client_state(scratch)
    assert rows(scratch) == []


def test_onboarding_left_to_do_is_info(scratch: Scratch) -> None:
    settings(scratch, {"ANTHROPIC_AUTH_TOKEN": KEY})
    client_state(scratch, onboarded=False)
    (row,) = rows(scratch)
    assert row["level"] == "info" and "No, exit" in row["message"]


def test_no_gateway_credential_no_row(scratch: Scratch) -> None:
    client_state(scratch, onboarded=False)
    claude_ai_login(scratch)
    assert rows(scratch) == []


@pytest.mark.parametrize(
    ("answer", "level", "said"),
    [
        ("approved", "warning", "the key wins"),
        ("rejected", "failed", "sends the claude.ai token to the gateway"),
        ("new", "warning", "sends the claude.ai token to the gateway"),
    ],
)
def test_a_claude_ai_login_beside_the_api_key(scratch: Scratch, answer: str, level: str, said: str) -> None:
    settings(scratch, {"ANTHROPIC_API_KEY": KEY})
    client_state(
        scratch,
        approved=[KEY[-20:]] if answer == "approved" else [],
        rejected=[KEY[-20:]] if answer == "rejected" else [],
    )
    claude_ai_login(scratch)
    login_rows = [row for row in rows(scratch) if row["message"].startswith("a claude.ai login")]
    assert levels(login_rows) == [level] and said in login_rows[0]["message"]
    assert "claude /logout" in login_rows[0]["fix"]


def test_a_claude_ai_login_loses_to_the_bearer_variable(scratch: Scratch) -> None:
    settings(scratch, {"ANTHROPIC_AUTH_TOKEN": KEY})
    client_state(scratch)
    claude_ai_login(scratch)
    (row,) = rows(scratch)
    assert row["level"] == "info" and "wins" in row["message"]


def test_a_claude_ai_login_wins_over_the_gateway_sign_in(scratch: Scratch) -> None:
    write(scratch.settings, json.dumps({"forceLoginMethod": "gateway", "forceLoginGatewayUrl": GATEWAY}) + "\n")
    client_state(scratch)
    claude_ai_login(scratch)
    (row,) = rows(scratch)
    assert row["level"] == "failed" and "sends nothing to the gateway" in row["message"]


def test_an_unreadable_client_state_is_a_warning_not_a_crash(scratch: Scratch) -> None:
    settings(scratch, {"ANTHROPIC_API_KEY": KEY})
    write(scratch.claude_json, '{"customApiKeyResponses": ')
    found = rows(scratch)
    assert found[0]["level"] == "warning" and "not valid JSON" in found[0]["message"]


def test_apply_names_the_one_time_choice_and_writes_nothing_of_the_key_into_the_clients_file(scratch: Scratch) -> None:
    client_state(scratch)
    before = scratch.claude_json.read_bytes()
    result = scratch.cbcfg("apply", "local", "--yes", "--target", "code", key=KEY)
    assert result.exit_code == 0, result.output
    assert "Detected a custom API key" in result.stdout and "No (recommended)" in result.stdout
    assert "ANTHROPIC_AUTH_TOKEN" in result.stdout
    assert scratch.claude_json.read_bytes() == before
    client_state(scratch, approved=[OTHER_KEY[-20:]], rejected=[KEY[-20:]])
    approved = scratch.cbcfg("apply", "local", "--yes", "--target", "code", key=OTHER_KEY)  # a rotation
    assert approved.exit_code == 0 and "Applied profile" in approved.stdout, approved.output
    assert "Detected a custom API key" not in approved.output and "ANTHROPIC_AUTH_TOKEN" not in approved.output
    rejected = scratch.cbcfg("apply", "local", "--yes", "--target", "code", key=KEY)
    assert "rejected this ANTHROPIC_API_KEY before" in rejected.stdout and "/config" in rejected.stdout
    assert (
        scratch.claude_json.read_bytes()
        == json.dumps(json.loads(scratch.claude_json.read_text()), indent=2).encode() + b"\n"
    )  # untouched: as client_state wrote it
