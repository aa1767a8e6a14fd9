"""Gateway sign-in (issue 15, `login` mode): the real interactive client, under tmux, signs in to the
test gateway's `/claude-code` (Bifrost's Claude Code gateway protocol) with the device flow, sends
inference with the gateway's token and the profile's model pins, and `/logout` revokes."""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.claude_client import BASE_ENV, is_ci, isolated_command
from tests.e2e.harness import KEY_A, Scenario
from tests.e2e.tmux import Tmux, TmuxUnavailable, tmux_binary
from tests.support.gateway import KEY_PREFIX

pytestmark = pytest.mark.e2e

PINS = {
    "ANTHROPIC_DEFAULT_OPUS_MODEL": "bedrock/global.anthropic.claude-opus-4-6-v1",
    "ANTHROPIC_DEFAULT_SONNET_MODEL": "bedrock/global.anthropic.claude-sonnet-4-6",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL": "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0",
}
MESSAGES = "/claude-code/v1/messages"
USER_CODE = re.compile(r"Code:\s+([B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4})")


@pytest.fixture
def tty_folder(scenario: Scenario) -> Iterator[Path]:
    """A folder of the user's for the tmux socket (the server runs as the user)."""
    try:
        tmux_binary()
    except TmuxUnavailable as exc:
        if is_ci():
            pytest.fail(f"e2e (CI=true): {exc}", pytrace=False)
        pytest.skip(f"e2e: {exc}")
    folder = Path(tempfile.mkdtemp(prefix="cbcfg-tty-"))
    folder.chmod(0o700)
    if scenario.account is not None:
        os.chown(folder, scenario.account.uid, scenario.account.gid)
    yield folder
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()


def start_client(scenario: Scenario, folder: Path, *, managed: bool = False) -> Tmux:
    """The real `claude`, interactive, in the project folder: inside the loopback-only namespace,
    as the user, with the scratch /etc/claude-code (cbcfg's managed folder, or an empty one); tmux
    itself runs there too, as the user."""
    if managed:
        shown_managed: Path | None = scenario.managed_dir
    else:
        shown_managed = scenario.no_managed if scenario.isolation.mnt else None
    wrap = isolated_command([], scenario.isolation, [scenario.gateway.port], shown_managed, scenario.account)
    control = scenario.account.command([]) if scenario.account else []
    env = dict(BASE_ENV, HOME=str(scenario.home))
    socket = folder / f"tmux-{len(list(folder.iterdir()))}.sock"
    program = [str(scenario.claude.binary)]
    return Tmux.start(wrap, program, env=env, cwd=scenario.project, socket=socket, control=control)


def files_holding(root: Path, secret: str) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and secret.encode() in path.read_bytes():
            found.append(path)
    return found


@pytest.mark.parametrize("placement", ["user", "managed"])
def test_gateway_sign_in_device_flow_inference_refresh_and_logout(
    scenario: Scenario, tty_folder: Path, placement: str
) -> None:
    gw, login = scenario.gateway, scenario.gateway.login
    if not scenario.isolation.net and not is_ci():
        pytest.skip(f"e2e: the interactive client needs the loopback-only namespace here: {scenario.isolation.reason}")
    managed = placement == "managed"
    if managed and not scenario.isolation.mnt:
        pytest.skip(f"e2e: a scratch /etc/claude-code needs a mount namespace: {scenario.isolation.reason}")
    login.access_ttl = 20  # shorter than the client's refresh margin: it refreshes before each use

    # ---- cbcfg's part: `apply bedrock --key-mode login`, no key at all; managed as root ----------
    report = scenario.apply("bedrock", "managed" if managed else "code", key=None, extra=["--key-mode", "login"])
    assert report["applied"], report
    written = scenario.managed_dir / "managed-settings.json" if managed else scenario.home / ".claude" / "settings.json"
    settings = json.loads(written.read_text(encoding="utf-8"))
    assert settings["forceLoginMethod"] == "gateway"
    assert settings["forceLoginGatewayUrl"] == login.base_url
    assert {name: settings["env"][name] for name in PINS} == PINS

    with start_client(scenario, tty_folder, managed=managed) as tty:

        def shown(*texts: str, timeout: float = 45) -> str:
            try:
                return tty.wait_for(*texts, timeout=timeout)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{context()}") from None

        def context() -> str:
            routes = "\n".join(f"  {r.method} {r.path} {r.body[:80]!r}" for r in gw.requests)
            return f"{tty.describe()}\n--- requests ---\n{routes}\n--- unknown ---\n{login.unknown}"

        def arrives(what: Callable[[], Any], timeout: float = 45) -> Any:
            """Wait for the gateway to see something; on timeout the screen and requests."""
            try:
                return login.wait_for(what, timeout=timeout)
            except TimeoutError:
                raise AssertionError(f"not within {timeout:g} s\n{context()}") from None

        # First start: the theme, then straight to the gateway sign-in (forceLoginMethod skips the picker).
        shown("Choose the text style")
        tty.press("Enter")
        shown("Enter to connect")
        screen = tty.screen()
        assert "Cloud gateway" in screen and login.base_url in screen, context()
        if managed:
            assert "set by managed settings" in screen and "Esc to go back" not in screen, context()
        else:
            assert "from your settings file" in screen and "Esc to go back" in screen, context()
        tty.press("Enter")

        # Discovery, then the trust prompt for the loopback gateway ("No" is preselected).
        shown("Trust gateway 127.0.0.1?")
        assert gw.requests_to("/claude-code/.well-known/oauth-authorization-server", "GET"), context()
        assert "http-loopback" in tty.screen(), context()
        tty.select("Yes, trust this gateway", key="Up")
        tty.press("Enter")

        # The device flow: the code on screen is the one the gateway handed out; polls are pending.
        shown("Waiting for sign-in")
        found = USER_CODE.search(tty.screen())
        assert found, context()
        (grant,) = login.grants
        assert found.group(1) == grant.user_code and grant.surface == "claude_code", context()
        (start,) = gw.requests_to("/claude-code/oauth/device_authorization", "POST")
        assert start.body == b"surface=claude_code", start
        arrives(lambda: gw.requests_to("/claude-code/oauth/token", "POST"))
        assert not login.issued, f"tokens before the approval\n{context()}"
        login.approve(found.group(1))
        shown("Connected to Cloud gateway")
        ((access, refresh),) = login.issued

        # Where the credential lands: ~/.claude/.credentials.json, the user's, 0600, and nowhere else.
        credentials = scenario.home / ".claude" / ".credentials.json"
        info = credentials.stat()
        assert stat.S_IMODE(info.st_mode) == 0o600, oct(info.st_mode)
        if scenario.account is not None:
            assert info.st_uid == scenario.account.uid
        stored = json.loads(credentials.read_text(encoding="utf-8"))
        assert stored["gatewayTrust"] == {"127.0.0.1": "http-loopback"}, stored.keys()
        assert stored["enterpriseGateway"]["url"] == login.base_url
        signed_in = stored["enterpriseGateway"]
        assert signed_in["jwt"] == access and signed_in["idpRefreshToken"] == refresh
        assert files_holding(scenario.home, access) == [credentials]
        assert files_holding(scenario.home, refresh) == [credentials]

        # The rest of the first start: security notes, the folder trust prompt ("No, exit" preselected).
        tty.press("Enter")
        shown("Security notes")
        tty.press("Enter")
        tty.select("Yes, I trust this folder", key="Down")
        tty.press("Enter")

        # The session refreshes the short-lived token, then fetches the gateway's managed settings with it.
        arrives(lambda: gw.requests_to("/claude-code/managed/settings", "GET"))
        refreshes = [r for r in gw.requests_to("/claude-code/oauth/token") if b"grant_type=refresh_token" in r.body]
        assert refreshes and f"refresh_token={refresh}".encode() in refreshes[0].body, context()
        for request in gw.requests_to("/claude-code/managed/settings"):
            assert request.headers.get("authorization", "").removeprefix("Bearer ") in login.access_tokens, request

        # Inference: /claude-code/v1/messages, the gateway's latest token as Bearer, the profile's Opus pin.
        shown("auto mode", "? for shortcuts")
        tty.send_text("say hi")
        tty.press("Enter")
        messages = arrives(lambda: gw.requests_to(MESSAGES, "POST"))
        shown("● hi")
        latest_access, latest_refresh = login.issued[-1]
        assert messages[-1].headers.get("authorization") == f"Bearer {latest_access}", messages[-1].headers
        for request in messages:
            assert request.headers["authorization"].removeprefix("Bearer ") in login.access_tokens
            assert "x-api-key" not in request.headers and "x-bf-vk" not in request.headers, request.headers
        assert messages[-1].json()["model"] == PINS["ANTHROPIC_DEFAULT_OPUS_MODEL"], messages[-1].json()["model"]
        assert not gw.requests_to("/anthropic/v1/messages"), "inference went to /anthropic, not /claude-code"

        # /logout: the access and the refresh token revoked; the client exits; the credentials are gone.
        latest_access, latest_refresh = login.issued[-1]
        tty.send_text("/logout")
        tty.press("Enter")
        arrives(lambda: latest_refresh in login.revoked)
        shown("Successfully logged out")
        assert latest_access in login.revoked, login.revoked
        revokes = gw.requests_to("/claude-code/oauth/revoke", "POST")
        assert any(b"token_type_hint=refresh_token" in r.body for r in revokes), revokes
        assert not credentials.exists()
        for token in {t for pair in login.issued for t in pair}:
            assert files_holding(scenario.home, token) == [], token

    # Started again, the client asks for the sign-in: nothing of the old one was kept.
    issued = len(login.issued)
    with start_client(scenario, tty_folder, managed=managed) as tty:
        # hasCompletedOnboarding stays false in ~/.claude.json after the first session: the theme again.
        if tty.wait_for("Choose the text style", "Enter to connect", timeout=45) == "Choose the text style":
            tty.press("Enter")
            tty.wait_for("Enter to connect", timeout=45)
        assert "Cloud gateway" in tty.screen(), tty.describe()
        assert len(login.issued) == issued

    assert login.unknown == [], [f"{r.method} {r.path}" for r in login.unknown]
    expected = {
        ("GET", "/claude-code/.well-known/oauth-authorization-server"),
        ("POST", "/claude-code/oauth/device_authorization"),
        ("POST", "/claude-code/oauth/token"),
        ("GET", "/claude-code/managed/settings"),
        ("POST", "/claude-code/v1/messages"),
        ("POST", "/claude-code/oauth/revoke"),
    }
    assert {(r.method, r.route) for r in gw.requests} == expected, sorted({(r.method, r.route) for r in gw.requests})
    # No virtual key anywhere: none was ever configured, and the client sent none.
    assert not any(r.virtual_key for r in gw.requests), [r.path for r in gw.requests if r.virtual_key]
    assert files_holding(scenario.home, KEY_PREFIX) == []


def test_a_static_virtual_key_on_claude_code_is_refused_and_the_client_stops_at_once(scenario: Scenario) -> None:
    """Bifrost takes only its own sign-in token on /claude-code/v1/*: a client pointed there with a
    virtual key gets 401 `x-should-retry: false` and gives up at once instead of retrying."""
    gw = scenario.gateway
    settings = {"env": {"ANTHROPIC_BASE_URL": gw.login.base_url, "ANTHROPIC_AUTH_TOKEN": KEY_A}}
    scenario.write_as_user(scenario.home / ".claude" / "settings.json", json.dumps(settings, indent=2) + "\n")
    started = time.monotonic()
    result = scenario.client().prompt()
    elapsed = time.monotonic() - started
    sent = gw.requests_to(MESSAGES, "POST")
    assert sent and all(r.headers.get("authorization") == f"Bearer {KEY_A}" for r in sent), result.describe()
    assert result.returncode != 0 and result.returncode != -9, result.describe()
    assert len(sent) == 1 and elapsed < 20, f"{len(sent)} requests in {elapsed:.1f} s\n{result.describe()}"
    assert gw.login.issued == []
    data = result.json()  # Bifrost's message reaches the user as it is
    assert data["api_error_status"] == 401 and "sign in again with /login" in data["result"], result.describe()
