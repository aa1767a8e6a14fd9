"""First-run traps (issue 15) with the real interactive client under tmux, after `cbcfg apply …
--yes`: what the first start shows, what Enter does at each prompt, which credential reaches the
gateway when a claude.ai login is already on the machine — and that doctor's `first-run` row says
what the client then does. The claude.ai login is a fake `~/.claude/.credentials.json` in the
client's shape; the namespace has only loopback, so no real server is ever reached."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.claude_client import is_ci
from tests.e2e.harness import KEY_A, MESSAGES, Scenario, key_headers, read_json
from tests.e2e.test_key_modes import apply_helper, helper_env
from tests.e2e.test_login import start_client, tty_folder
from tests.e2e.tmux import Tmux

pytestmark = pytest.mark.e2e
__all__ = ["helper_env", "tty_folder"]  # fixtures

OAUTH_ACCESS = "sk-ant-oat01-e2e-fake-claude-ai-access-0001"
CLAUDE_AI = {
    "claudeAiOauth": {
        "accessToken": OAUTH_ACCESS,
        "refreshToken": "sk-ant-ort01-e2e-fake-claude-ai-refresh-0001",
        "expiresAt": 4102444800000,  # far ahead: the client never tries to refresh it
        "scopes": ["user:inference", "user:profile", "user:sessions:claude_code"],
        "subscriptionType": "max",
    }
}
READY = ("? for shortcuts", "auto mode on")
PROMPT = "Detected a custom API key in your environment"


@pytest.fixture
def interactive(scenario: Scenario, tty_folder: Path) -> Iterator[Path]:
    if not scenario.isolation.net and not is_ci():
        pytest.skip(f"e2e: the interactive client needs the loopback-only namespace here: {scenario.isolation.reason}")
    yield tty_folder


def apply_key(scenario: Scenario, key_env: str = "ANTHROPIC_API_KEY") -> None:
    """`cbcfg apply` in key mode; the Bearer variable through a profile of the user's (key_env)."""
    profile = "local"
    if key_env != "ANTHROPIC_API_KEY":
        profile = "bearer"
        text = f'extends = "local"\n\n[gateway]\nkey_env = "{key_env}"\n'
        scenario.write_as_user(scenario.home / ".config" / "cbcfg" / "profiles" / "bearer.toml", text)
    scenario.apply(profile, "code", key=KEY_A, extra=["--key-mode", "key"])


def onboarded(scenario: Scenario, **extra: Any) -> None:
    """~/.claude.json as a user who ran Claude Code before: onboarding done, the project trusted."""
    state = {
        "hasCompletedOnboarding": True,
        "lastOnboardingVersion": "2.1.332",
        "projects": {str(scenario.project): {"hasTrustDialogAccepted": True}},
        **extra,
    }
    scenario.write_as_user(scenario.home / ".claude.json", json.dumps(state, indent=2) + "\n")


def signed_in_to_claude_ai(scenario: Scenario) -> None:
    scenario.write_as_user(scenario.home / ".claude" / ".credentials.json", json.dumps(CLAUDE_AI))


def first_run_rows(scenario: Scenario) -> list[dict[str, Any]]:
    proc = scenario.cbcfg("doctor", "--no-network", "--json", *scenario.roots(), check=False)
    assert OAUTH_ACCESS not in proc.stdout + proc.stderr and KEY_A[-20:] not in proc.stdout + proc.stderr
    return [row for row in json.loads(proc.stdout)["results"] if row["check"] == "first-run"]


def say_hi(tty: Tmux, *wait: str) -> str:
    tty.wait_for(*READY, timeout=45)
    tty.send_text("say hi")
    tty.press("Enter")
    return tty.wait_for(*wait, timeout=45)


def sent(scenario: Scenario) -> list[dict[str, str]]:
    return [key_headers(r) for r in scenario.gateway.requests_to(MESSAGES, "POST")]


def responses(scenario: Scenario) -> dict[str, Any]:
    answers = read_json(scenario.home / ".claude.json").get("customApiKeyResponses", {})
    assert isinstance(answers, dict)
    return answers


# -- the approval prompt of ANTHROPIC_API_KEY -------------------------------------------------------


def test_enter_at_the_api_key_prompt_rejects_the_key_and_doctor_then_fails(
    scenario: Scenario, interactive: Path
) -> None:
    apply_key(scenario)
    onboarded(scenario)
    (before,) = first_run_rows(scenario)
    assert before["level"] == "warning" and "Enter rejects it" in before["message"], before
    with start_client(scenario, interactive) as tty:
        tty.wait_for(PROMPT, timeout=45)
        screen = tty.screen()
        assert f"ANTHROPIC_API_KEY: sk-ant-...{KEY_A[-20:]}" in screen, tty.describe()
        assert "\u276f No (recommended)" in screen, tty.describe()  # preselected
        tty.press("Enter")
        say_hi(tty, "Not logged in")
        assert 'ANTHROPIC_API_KEY not used here · turn on "Use custom API key" in /config' in tty.screen()
    assert sent(scenario) == []  # the key never left the machine
    assert responses(scenario) == {"approved": [], "rejected": [KEY_A[-20:]]}
    (after,) = first_run_rows(scenario)
    assert after["level"] == "failed" and "rejected" in after["message"] and "Not logged in" in after["message"]
    assert "Use custom API key" in after["fix"]


def test_yes_at_the_api_key_prompt_approves_the_key_and_doctor_is_ok(scenario: Scenario, interactive: Path) -> None:
    apply_key(scenario)
    onboarded(scenario)
    with start_client(scenario, interactive) as tty:
        tty.select("Yes", key="Up")
        tty.press("Enter")
        say_hi(tty, "\u25cf hi")
    assert sent(scenario) == [{"x-api-key": KEY_A}]
    assert responses(scenario)["approved"] == [KEY_A[-20:]]
    (row,) = first_run_rows(scenario)
    assert row["level"] == "ok", row


@pytest.mark.parametrize("mode", ["ANTHROPIC_AUTH_TOKEN", "helper"])
def test_the_bearer_variable_and_the_helper_are_never_asked_about(
    scenario: Scenario, interactive: Path, helper_env: dict[str, str], mode: str
) -> None:
    if mode == "helper":
        apply_helper(scenario, helper_env, key=KEY_A)
    else:
        apply_key(scenario, mode)
    onboarded(scenario)
    assert first_run_rows(scenario) == []
    with start_client(scenario, interactive) as tty:
        say_hi(tty, "\u25cf hi")
        assert PROMPT not in tty.screen()
    assert sent(scenario)[-1]["authorization"] == f"Bearer {KEY_A}"
    assert "customApiKeyResponses" not in read_json(scenario.home / ".claude.json")


# -- the first start, onboarding not done ---------------------------------------------------------


def test_an_unapproved_api_key_sends_the_first_start_to_api_anthropic_com(
    scenario: Scenario, interactive: Path
) -> None:
    """With onboarding not done and the key not yet approved, the client counts no credential and
    first checks that it reaches Anthropic: on a machine that reaches only the gateway it stops."""
    apply_key(scenario)
    rows = first_run_rows(scenario)
    assert [row["level"] for row in rows] == ["warning", "warning"] and "api.anthropic.com" in rows[1]["message"]
    with start_client(scenario, interactive) as tty:
        tty.wait_for("Unable to connect to Anthropic services", timeout=45)
        assert "Failed to connect to api.anthropic.com" in tty.screen()
    assert sent(scenario) == []


def test_onboarding_with_the_bearer_variable_and_enter_at_the_folder_trust_prompt(
    scenario: Scenario, interactive: Path
) -> None:
    """No connectivity check, no key prompt: the theme, the security notes, then the folder trust
    prompt, where Enter answers the preselected 'No, exit'."""
    apply_key(scenario, "ANTHROPIC_AUTH_TOKEN")
    (row,) = first_run_rows(scenario)
    assert row["level"] == "info" and "No, exit" in row["message"], row
    with start_client(scenario, interactive) as tty:
        tty.wait_for("Choose the text style", timeout=45)
        tty.press("Enter")
        tty.wait_for("Security notes")
        tty.press("Enter")
        tty.wait_for("Yes, I trust this folder")
        assert "\u276f No, exit" in tty.screen(), tty.describe()
        tty.press("Enter")
        tty.wait_for("Claude Code didn't start because this folder isn't trusted.")
    assert sent(scenario) == []
    assert read_json(scenario.home / ".claude.json")["hasCompletedOnboarding"] is True
    assert first_run_rows(scenario) == []


# -- a claude.ai login already on the machine -------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "expected", "level"),
    [
        ("api-key-rejected", {"authorization": f"Bearer {OAUTH_ACCESS}"}, "failed"),
        ("api-key-approved", {"x-api-key": KEY_A}, "warning"),
        ("auth-token", {"authorization": f"Bearer {KEY_A}"}, "info"),
        ("header", {"authorization": f"Bearer {OAUTH_ACCESS}", "x-bf-vk": KEY_A}, "info"),
    ],
)
def test_which_credential_reaches_the_gateway_beside_a_claude_ai_login(
    scenario: Scenario, interactive: Path, setup: str, expected: dict[str, str], level: str
) -> None:
    answers = {"approved": [KEY_A[-20:]] if setup == "api-key-approved" else [], "rejected": []}
    if setup == "api-key-rejected":
        answers["rejected"] = [KEY_A[-20:]]
    if setup == "header":
        scenario.apply("local", "code", key=KEY_A, extra=["--key-mode", "header"])
    else:
        apply_key(scenario, "ANTHROPIC_AUTH_TOKEN" if setup == "auth-token" else "ANTHROPIC_API_KEY")
    onboarded(scenario, customApiKeyResponses=answers)
    signed_in_to_claude_ai(scenario)
    (row,) = [r for r in first_run_rows(scenario) if r["message"].startswith("a claude.ai login")]
    assert row["level"] == level, row
    with start_client(scenario, interactive) as tty:
        tty.wait_for(*READY, timeout=45)
        both = "Both claude.ai and ANTHROPIC_API_KEY set · auth may not work as expected" in tty.screen()
        assert both == (setup == "api-key-approved"), tty.describe()
        shown = say_hi(tty, "\u25cf hi", "virtual key is required")
        assert shown == ("virtual key is required" if setup == "api-key-rejected" else "\u25cf hi"), tty.describe()
    assert sent(scenario)[-1] == expected


def test_a_claude_ai_login_keeps_the_gateway_sign_in_from_being_asked(scenario: Scenario, interactive: Path) -> None:
    """forceLoginMethod "gateway" (user settings) does not replace a claude.ai login already in
    place: the session starts on it and sends inference to api.anthropic.com, nothing to the gateway."""
    scenario.apply("bedrock", "code", key=None, extra=["--key-mode", "login"])
    onboarded(scenario)
    signed_in_to_claude_ai(scenario)
    (row,) = first_run_rows(scenario)
    assert row["level"] == "failed" and "sends nothing to the gateway" in row["message"], row
    with start_client(scenario, interactive) as tty:
        tty.wait_for(*READY, timeout=45)
        assert "Claude Max" in tty.screen() and "Enter to connect" not in tty.screen(), tty.describe()
        say_hi(tty, "Can't reach the API server")
    assert scenario.gateway.requests == []
