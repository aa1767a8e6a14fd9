"""doctor's login check against the test gateway's /claude-code (tests/support/gateway_login.py):
with the protocol served, turned off (Bifrost without claude_code_gateway), and absent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from claude_bifrost_cfg.checks import login as login_check
from claude_bifrost_cfg.checks.base import CheckResult, Level, NetworkContext
from claude_bifrost_cfg.checks.network import NETWORK_CHECKS, run_network_checks
from tests.cli_helpers import Scratch, scratch, write
from tests.support.gateway import Gateway

DEVICE = "/claude-code/oauth/device_authorization"
__all__ = ["scratch"]  # the fixture, for the tests that run the real cbcfg doctor


def context(gateway_url: str, method: str | None = "gateway", login_url: str | None = None) -> NetworkContext:
    return NetworkContext(gateway_url, None, "bearer", login_method=method, login_gateway_url=login_url)


def login_rows(ctx: NetworkContext) -> list[CheckResult]:
    results = run_network_checks(ctx, [login_check])
    for row in results:
        assert "\n" not in row.message + row.fix, row
    return results


def one(ctx: NetworkContext) -> CheckResult:
    (row,) = login_rows(ctx)
    assert row.check == "login"
    return row


def test_the_check_is_registered_with_the_network_checks() -> None:
    assert login_check in NETWORK_CHECKS
    assert login_check.network is True


def test_a_gateway_serving_the_sign_in_is_ok_and_no_sign_in_is_started(gateway: Gateway) -> None:
    row = one(context(gateway.url, login_url=gateway.login.base_url))
    assert row.level == Level.OK, row
    assert gateway.requests_to("/claude-code/.well-known/oauth-authorization-server", "GET")
    # The device endpoint was asked, but never with a POST: no grant, nothing counted against a limit.
    assert [r.method for r in gateway.requests_to(DEVICE)] == ["GET"]
    assert gateway.login.grants == [] and gateway.login.issued == []


def test_a_gateway_with_the_protocol_turned_off_fails_with_the_fix(gateway: Gateway) -> None:
    gateway.login.enabled = False  # Bifrost without client.oauth2_server_config.claude_code_gateway
    row = one(context(gateway.url, login_url=gateway.login.base_url))
    assert row.level == Level.FAILED, row
    assert "404" in row.message
    assert "claude_code_gateway" in row.fix and "issuer_url" in row.fix
    assert not gateway.requests_to(DEVICE)


def test_a_gateway_without_claude_code_at_all_fails_with_the_fix(gateway: Gateway) -> None:
    row = one(context(gateway.url, login_url=gateway.url + "/not-claude-code"))
    assert row.level == Level.FAILED, row
    assert "claude_code_gateway" in row.fix


def test_nothing_is_checked_when_no_gateway_sign_in_is_required(gateway: Gateway) -> None:
    for method in (None, "claudeai", "console"):
        assert login_rows(context(gateway.url, method=method, login_url=gateway.login.base_url)) == []
    assert gateway.requests == []


def test_the_gateway_method_without_a_url_is_a_warning(gateway: Gateway) -> None:
    row = one(context(gateway.url, login_url=None))
    assert row.level == Level.WARNING and "forceLoginGatewayUrl" in row.message
    assert gateway.requests == []


def test_plain_http_off_loopback_is_refused_before_any_request() -> None:
    row = one(context("http://gateway.example", login_url="http://gateway.example/claude-code"))
    assert row.level == Level.FAILED and "https" in row.fix


def test_a_gateway_that_is_down_is_one_failed_row(closed_port: int) -> None:
    base = f"http://127.0.0.1:{closed_port}/claude-code"
    row = one(context(f"http://127.0.0.1:{closed_port}", login_url=base))
    assert row.level == Level.FAILED and "connection refused" in row.message, row


def test_a_device_endpoint_on_another_origin_fails(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.responses import JSONResponse

    document = {"issuer": "x", "device_authorization_endpoint": "https://elsewhere.example/claude-code/oauth/d"}
    monkeypatch.setattr(gateway.login, "_metadata", lambda: JSONResponse(document))
    row = one(context(gateway.url, login_url=gateway.login.base_url))
    assert row.level == Level.FAILED and "another origin" in row.message, row


# -- the real cbcfg doctor, on settings that require the sign-in ----------------------------------


def doctor_rows(scratch: Scratch) -> list[dict[str, Any]]:
    result = scratch.cbcfg("doctor", "--json", "--system-root", str(scratch.system_root))
    rows: list[dict[str, Any]] = json.loads(result.output)["results"]
    return rows


@pytest.mark.parametrize("enabled", [True, False])
def test_doctor_checks_the_sign_in_of_the_users_settings(scratch: Scratch, gateway: Gateway, enabled: bool) -> None:
    """Login mode writes no ANTHROPIC_BASE_URL: doctor finds the gateway from forceLoginGatewayUrl."""
    gateway.login.enabled = enabled
    settings = {"forceLoginMethod": "gateway", "forceLoginGatewayUrl": gateway.login.base_url}
    write(scratch.settings, json.dumps(settings, indent=2) + "\n")
    rows = [row for row in doctor_rows(scratch) if row["check"] == "login"]
    assert [row["level"] for row in rows] == ["ok" if enabled else "failed"], rows
    assert not gateway.requests_to(DEVICE, "POST")


def test_doctor_ignores_a_project_that_asks_for_the_sign_in(scratch: Scratch, gateway: Gateway) -> None:
    """The client ignores forceLoginGatewayUrl in project settings; so does doctor."""
    settings = {"forceLoginMethod": "gateway", "forceLoginGatewayUrl": gateway.login.base_url}
    write(scratch.project / ".claude" / "settings.json", json.dumps(settings) + "\n")
    assert [row for row in doctor_rows(scratch) if row["check"] == "login"] == []
    assert not gateway.requests_to("/claude-code/.well-known/oauth-authorization-server")


def test_a_machine_with_managed_settings_ignores_the_users_sign_in(scratch: Scratch, gateway: Gateway) -> None:
    """With a managed source on the machine, the client takes the sign-in settings from it alone."""
    settings = {"forceLoginMethod": "gateway", "forceLoginGatewayUrl": gateway.login.base_url}
    write(scratch.settings, json.dumps(settings) + "\n")
    write(scratch.system_root / "etc" / "claude-code" / "managed-settings.json", "{}\n")
    assert [row for row in doctor_rows(scratch) if row["check"] == "login"] == []
    write(scratch.system_root / "etc" / "claude-code" / "managed-settings.json", json.dumps(settings) + "\n")
    assert [row["level"] for row in doctor_rows(scratch) if row["check"] == "login"] == ["ok"]


def test_login_mode_applied_by_cbcfg_is_healthy_in_doctor(scratch: Scratch, gateway: Gateway) -> None:
    """After `apply --key-mode login` (no key anywhere), nothing in doctor asks for a base URL or a
    virtual key: the settings row says the client signs in, the key checks say why they are skipped."""
    applied = scratch.cbcfg(
        "apply", "bedrock", "-t", "code", "--key-mode", "login", "--yes", "--gateway-url", gateway.url
    )
    assert applied.exit_code == 0, applied.output
    result = scratch.cbcfg("doctor", "--json", "--system-root", str(scratch.system_root))
    rows = {row["check"]: row for row in json.loads(result.output)["results"]}
    assert result.exit_code == 0, result.output
    assert rows["settings"]["level"] == "ok" and "signs in to the gateway" in rows["settings"]["message"]
    for check in ("key", "models", "mcp"):
        assert rows[check]["level"] == "skipped" and "login mode" in rows[check]["message"], rows[check]
    assert rows["login"]["level"] == "ok"
