"""cbcfg doctor: the real CLI against a scratch home and the test gateway on 127.0.0.1.

Exit codes: 0 when no row is worse than a warning (ok, info, warning, skipped), 8 when a row is
failed or error; 2 for a bad option, 5 for a gateway URL cbcfg refuses. doctor writes nothing.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.cli_helpers import KEY, OTHER_KEY, SCRUBBED_ENV, Result, Scratch, read_json, write
from tests.support.gateway import BifrostError, Blackhole, Gateway

_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
NO_PROXIES: dict[str, str | None] = {name: None for name in _PROXIES}  # the gateway is on loopback
LEVELS = {"ok", "info", "warning", "failed", "error", "skipped"}
NETWORK_CHECKS = ["gateway", "key", "models", "mcp", "cors"]


@pytest.fixture
def gw(gateway: Gateway) -> Gateway:
    """The test gateway, knowing KEY and allowing every header Claude clients send (CORS ok)."""
    gateway.keys.add(KEY)
    gateway.client_allowed_headers = ["*"]
    return gateway


def apply(scratch: Scratch, gateway_url: str, profile: str = "bedrock", *extra: str) -> None:
    args = ["apply", profile, "--gateway-url", gateway_url, "--system-root", str(scratch.system_root), "--yes"]
    result = scratch.cbcfg(*args, *extra, key=KEY)
    assert result.exit_code == 0, result.output


def returning_user(scratch: Scratch) -> None:
    """~/.claude.json of a Claude Code user who approved the key at its prompt (the first-run
    check warns until then: tests/checks/test_first_run_check.py)."""
    state = {"hasCompletedOnboarding": True, "customApiKeyResponses": {"approved": [KEY[-20:]], "rejected": []}}
    scratch.claude_json.write_text(json.dumps(state), encoding="utf-8")


def doctor(scratch: Scratch, *args: str, key: str | None = None, env: dict[str, str | None] | None = None) -> Result:
    """`cbcfg doctor` in-process; never the real /etc (--system-root), never a proxy."""
    return scratch.cbcfg(
        "doctor", "--system-root", str(scratch.system_root), *args, key=key, env={**NO_PROXIES, **(env or {})}
    )


def rows(result: Result) -> list[dict[str, Any]]:
    data = result.json
    assert set(data) == {"command", "ok", "results", "summary"}
    assert data["command"] == "doctor"
    assert data["ok"] is (result.exit_code == 0)
    for row in data["results"]:
        assert set(row) == {"check", "level", "message", "fix"}
        assert row["level"] in LEVELS
        assert all(isinstance(row[field], str) for field in ("check", "message", "fix"))
    counts: dict[str, int] = {}
    for row in data["results"]:
        counts[row["level"]] = counts.get(row["level"], 0) + 1
    assert data["summary"] == counts
    results: list[dict[str, Any]] = data["results"]
    return results


def levels(result: Result) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in rows(result):
        found.setdefault(row["check"], []).append(row["level"])
    return found


def worst(result: Result, check: str) -> dict[str, Any]:
    order = ["ok", "skipped", "info", "warning", "failed", "error"]
    return max((row for row in rows(result) if row["check"] == check), key=lambda row: order.index(row["level"]))


# -- all good -----------------------------------------------------------------------------------


def test_an_applied_profile_against_a_healthy_gateway_exits_0(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url, "bedrock", "--desktop-mcp", "url")
    returning_user(scratch)

    result = doctor(scratch, "--json")

    assert result.exit_code == 0, result.output
    assert result.json["ok"] is True
    assert result.stderr == ""  # no spinner, no warning: --json is for scripts
    found = levels(result)
    assert list(found) == [
        "files",
        "settings",
        "key-format",
        "first-run",
        "opus-pin",
        "key-exposure",
        "desktop-mcp",
        "desktop-gateway",  # issue 14: info, no Desktop gateway configuration here
        *NETWORK_CHECKS,
    ]
    assert {level for values in found.values() for level in values} == {"ok", "info"}
    assert found["models"] == ["ok", "ok", "ok"]  # the three pinned tiers
    assert found["desktop-mcp"] == ["info"]  # the url form's caveat


def test_the_human_table(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url, "bedrock", "--desktop-mcp", "url")
    returning_user(scratch)

    result = doctor(scratch)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["RESULT", "CHECK", "MESSAGE"]
    assert lines[1].split()[:3] == ["ok", "files", "~/.claude/settings.json"]
    assert any(line.split()[:2] == ["ok", "mcp"] for line in lines)
    assert "  fix: if the Chat tab shows no Bifrost tools" in result.stdout  # fixes under problems and info
    assert lines[-1] == "14 ok, 3 info"  # + desktop-gateway info (issue 14), + first-run ok, + files: ~/.claude.json
    assert all(line == line.rstrip() for line in lines), "trailing blanks"


def test_the_home_is_shown_as_a_tilde_and_the_key_is_masked(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url, "local", "-t", "code", "-t", "code-local")
    scratch.settings.chmod(0o644)  # a failing row that names the file

    for result in (doctor(scratch, "--json"), doctor(scratch)):
        assert result.exit_code == 8
        assert str(scratch.home) not in result.output
        assert "~/.claude/settings.json holds a key and is readable by others (mode 0644)" in result.stdout
        assert f"sk-bf-…{KEY[-4:]}" in result.stdout
        # KEY (and any 10 characters of it) in no output: checked by Scratch for every run


# -- failing states: exit 8 ---------------------------------------------------------------------


def test_a_fresh_home_fails_no_base_url(scratch: Scratch) -> None:
    before = scratch.tree()

    result = doctor(scratch, "--json")

    assert result.exit_code == 8
    assert result.json["ok"] is False
    assert worst(result, "settings")["message"] == "Claude Code will not use Bifrost: no layer sets ANTHROPIC_BASE_URL"
    (network,) = [row for row in rows(result) if row["check"] == "network"]
    assert network["level"] == "skipped"
    assert scratch.tree() == before  # not even cbcfg's state folder


GATEWAY_FAILURES: dict[str, tuple[str, Callable[[Gateway], object]]] = {
    "unhealthy": ("gateway", lambda gw: setattr(gw, "health_failures", ["config store: connection refused"])),
    "unknown-key": ("key", lambda gw: gw.keys.discard(KEY)),
    "key-blocked": ("key", lambda gw: setattr(gw, "error", BifrostError.VIRTUAL_KEY_BLOCKED)),
    "model-blocked": ("key", lambda gw: setattr(gw, "error", BifrostError.MODEL_BLOCKED)),
    "budget": ("key", lambda gw: setattr(gw, "error", BifrostError.BUDGET_EXCEEDED)),
    "model-not-offered": ("models", lambda gw: gw.models.remove("bedrock/global.anthropic.claude-opus-4-6-v1")),
    "mcp-down": ("mcp", lambda gw: setattr(gw, "mcp_status", 503)),
}


@pytest.mark.parametrize("failure", list(GATEWAY_FAILURES))
def test_each_gateway_failure_exits_8(scratch: Scratch, gw: Gateway, failure: str) -> None:
    apply(scratch, gw.url)
    check, break_it = GATEWAY_FAILURES[failure]
    break_it(gw)

    result = doctor(scratch, "--json")

    assert result.exit_code == 8, result.output
    row = worst(result, check)
    assert row["level"] == "failed" and row["fix"], row


def test_cors_gaps_are_a_warning_and_exit_0(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url)
    gw.client_allowed_headers = []  # Bifrost's defaults: Claude's anthropic-* headers not allowed

    result = doctor(scratch, "--json")

    assert result.exit_code == 0
    assert result.json["ok"] is True
    assert worst(result, "cors")["level"] == "warning"
    assert "allowed_headers" in worst(result, "cors")["fix"]


LOCAL_FAILURES: dict[str, tuple[str, Callable[[Scratch], object]]] = {
    "file-missing": ("files", lambda s: s.desktop.unlink()),
    "file-unparseable": ("files", lambda s: s.desktop.write_text("{", encoding="utf-8")),
    "key-readable": ("key-exposure", lambda s: s.settings.chmod(0o644)),
    "managed-override-no-url": (
        "settings",
        lambda s: write(
            s.system_root / "etc/claude-code/managed-settings.json", '{"env": {"ANTHROPIC_BASE_URL": "x"}}'
        ),
    ),
}


@pytest.mark.parametrize("failure", list(LOCAL_FAILURES))
def test_each_local_failure_exits_8(scratch: Scratch, gw: Gateway, failure: str) -> None:
    apply(scratch, gw.url)
    check, break_it = LOCAL_FAILURES[failure]
    break_it(scratch)

    result = doctor(scratch, "--json", "--no-network")

    assert result.exit_code == 8, result.output
    assert worst(result, check)["level"] == "failed"


def test_warnings_alone_exit_0(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url)
    document = read_json(scratch.settings)
    del document["env"]["ANTHROPIC_DEFAULT_OPUS_MODEL"]  # by hand
    scratch.settings.write_text(json.dumps(document), encoding="utf-8")
    scratch.settings.chmod(0o600)

    result = doctor(scratch, "--json", "--no-network")

    assert result.exit_code == 0, result.output
    assert worst(result, "files")["level"] == "warning"  # drift
    assert worst(result, "opus-pin")["level"] == "warning"  # sonnet and haiku pinned, opus not


def test_the_key_claude_code_sends_is_checked_not_bifrost_virtual_key(scratch: Scratch, gw: Gateway) -> None:
    """BIFROST_VIRTUAL_KEY in the shell must not hide a stale key in the settings Claude Code reads."""
    gw.keys.add(OTHER_KEY)
    apply(scratch, gw.url)
    gw.keys.discard(KEY)  # the key the settings hold is revoked; the one in the shell is valid

    result = doctor(scratch, "--json", env={"BIFROST_VIRTUAL_KEY": OTHER_KEY})

    assert result.exit_code == 8
    key_row = worst(result, "key")
    assert key_row["level"] == "failed"
    assert f"…{KEY[-4:]}" in key_row["message"]
    assert {r.virtual_key for r in gw.requests_to("/anthropic/v1/models")} == {KEY}


# -- options ------------------------------------------------------------------------------------


def test_no_network_sends_nothing(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url)
    gw.clear_requests()

    result = doctor(scratch, "--json", "--no-network")

    assert result.exit_code == 0
    assert gw.requests == []
    assert rows(result)[-1] == {
        "check": "network",
        "level": "skipped",
        "message": "network checks skipped (--no-network)",
        "fix": "",
    }


def test_live_sends_exactly_one_inference_request(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url)
    gw.clear_requests()

    assert doctor(scratch, "--json").exit_code == 0
    assert gw.requests_to("/anthropic/v1/messages", "POST") == []

    result = doctor(scratch, "--json", "--live")

    assert result.exit_code == 0
    (message,) = gw.requests_to("/anthropic/v1/messages", "POST")
    assert message.json()["max_tokens"] == 1
    assert message.virtual_key == KEY
    assert levels(result)["key"] == ["ok", "ok"]


def test_profile_not_applied_yet(scratch: Scratch, gw: Gateway) -> None:
    """doctor --profile P checks P against this home before `cbcfg apply P`, and the key given for it."""
    before = scratch.tree()

    result = doctor(scratch, "--json", "--profile", "bedrock", "--gateway-url", gw.url, key=KEY)

    assert result.exit_code == 8  # nothing points Claude Code at Bifrost yet
    found = {(row["check"], row["level"], row["message"]) for row in rows(result)}
    assert ("files", "warning", "~/.claude/settings.json (code): absent") in found
    assert worst(result, "settings")["fix"] == "cbcfg apply bedrock"
    assert levels(result)["key"] == ["ok"]  # the key the profile would write works
    assert levels(result)["models"] == ["ok", "ok", "ok"]  # and is offered the profile's models
    assert scratch.tree() == before

    apply(scratch, gw.url)
    assert doctor(scratch, "--profile", "bedrock", "--gateway-url", gw.url, key=KEY).exit_code == 0


def test_profile_applied_elsewhere_shows_pending_changes(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url, "local")

    result = doctor(scratch, "--json", "--no-network", "--profile", "bedrock", "--gateway-url", gw.url, key=KEY)

    messages = [row["message"] for row in rows(result) if row["level"] == "warning"]
    assert "~/.claude/settings.json: profile bedrock not applied here (3 change(s) pending)" in messages


def test_an_unknown_profile_is_a_profile_error(scratch: Scratch) -> None:
    result = doctor(scratch, "--profile", "nope")

    assert result.exit_code == 4
    assert result.error_line().startswith("cbcfg: error: no profile named 'nope'")


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_a_timeout_that_is_no_positive_number_is_a_usage_error(scratch: Scratch, value: str) -> None:
    result = doctor(scratch, "--timeout", value)

    assert result.exit_code == 2
    assert "--timeout" in result.error_line()


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:1", "127.0.0.1:8080", "http://user:pw@127.0.0.1:1"])
def test_a_gateway_url_apply_would_refuse_is_refused(scratch: Scratch, url: str) -> None:
    result = doctor(scratch, "--gateway-url", url)

    assert result.exit_code == 5
    assert result.error_line().startswith("cbcfg: error: --gateway-url: the gateway URL ")


def test_gateway_url_checks_another_gateway_than_the_settings_name(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, "http://127.0.0.1:9")  # a port nothing answers on

    result = doctor(scratch, "--json", "--gateway-url", gw.url + "/anthropic")

    assert levels(result)["gateway"] == ["ok"]
    assert gw.requests_to("/health")


def test_a_gateway_that_never_answers_with_timeout_1(scratch: Scratch, blackhole: Blackhole) -> None:
    apply(scratch, blackhole.url)

    result = doctor(scratch, "--json", "--timeout", "1")

    assert result.exit_code == 8
    gateway_row = worst(result, "gateway")
    assert gateway_row["level"] == "failed"
    assert gateway_row["message"] == f"no answer from 127.0.0.1:{blackhole.port} within 1 s"
    assert {row["level"] for row in rows(result) if row["check"] in NETWORK_CHECKS[1:]} <= {"skipped", "failed"}


# -- end to end: a separate process -------------------------------------------------------------


def test_in_a_separate_process(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url)
    before = scratch.tree()
    gw.clear_requests()

    result = scratch.process("doctor", "--system-root", str(scratch.system_root), "--json", env=NO_PROXIES)

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert {row["check"] for row in rows(result)} >= set(NETWORK_CHECKS)
    assert gw.requests_to("/health") and gw.requests_to("/mcp")
    assert scratch.tree() == before

    gw.keys.discard(KEY)
    failed = scratch.process("doctor", "--system-root", str(scratch.system_root), env=NO_PROXIES)
    assert failed.exit_code == 8
    assert failed.stdout.splitlines()[0].split() == ["RESULT", "CHECK", "MESSAGE"]
    assert scratch.tree() == before


def test_on_a_terminal_results_are_coloured_by_level(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url)
    scratch.desktop.unlink()  # one failed row

    env = {name: value for name, value in os.environ.items() if name not in SCRUBBED_ENV + _PROXIES}
    env.update(HOME=str(scratch.root / "real-home"), CBCFG_HOME=str(scratch.home), TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-m", "claude_bifrost_cfg", "doctor", "--system-root", str(scratch.system_root)]
    output = _run_on_a_terminal([*command, "--no-network"], env, scratch)

    assert "\x1b[" in output
    assert "\x1b[32mok" in output  # green
    assert "\x1b[31mfailed" in output  # red
    assert KEY not in output


def _run_on_a_terminal(command: list[str], env: dict[str, str], scratch: Scratch) -> str:
    main, child = pty.openpty()
    try:
        process = subprocess.Popen(command, stdin=child, stdout=child, stderr=child, env=env, cwd=scratch.project)
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the other side closed (Linux: EIO)
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=20) == 8
    finally:
        os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


def test_profile_with_the_key_on_stdin(scratch: Scratch, gw: Gateway) -> None:
    args = ["--json", "--profile", "bedrock", "--gateway-url", gw.url, "--key-stdin"]
    result = scratch.cbcfg("doctor", "--system-root", str(scratch.system_root), *args, stdin=KEY + "\n", env=NO_PROXIES)

    assert levels(result)["key"] == ["ok"]
    assert {r.virtual_key for r in gw.requests_to("/anthropic/v1/models")} == {KEY}


# -- what the client really sends and reads -----------------------------------------------------


@pytest.mark.parametrize("valid", ["bearer", "x-api-key"])
def test_two_credentials_both_are_sent_and_the_one_bifrost_reads_is_judged(
    scratch: Scratch, gw: Gateway, valid: str
) -> None:
    """ANTHROPIC_API_KEY in one layer, ANTHROPIC_AUTH_TOKEN in another: Claude Code sends both headers,
    and Bifrost takes the Bearer one when it is an sk-bf- key."""
    apply(scratch, gw.url, "local", "-t", "code")  # ANTHROPIC_API_KEY = KEY in the user file
    local = scratch.project / ".claude" / "settings.local.json"
    write(local, json.dumps({"env": {"ANTHROPIC_AUTH_TOKEN": OTHER_KEY}}))
    gw.keys.add(OTHER_KEY)
    gw.keys.discard(KEY if valid == "bearer" else OTHER_KEY)
    gw.clear_requests()

    result = doctor(scratch, "--json")

    (listing,) = gw.requests_to("/anthropic/v1/models")
    assert listing.headers["x-api-key"] == KEY and listing.headers["authorization"] == f"Bearer {OTHER_KEY}"
    key_row = worst(result, "key")
    assert f"…{OTHER_KEY[-4:]}" in key_row["message"]  # the Bearer key is the one Bifrost reads
    if valid == "bearer":
        assert key_row["level"] == "ok"
        assert (
            "Authorization (Bearer) and x-api-key; Bifrost reads the Authorization (Bearer) one" in key_row["message"]
        )
    else:
        assert key_row["level"] == "failed" and result.exit_code == 8
    (conflict,) = [row for row in rows(result) if row["message"].startswith("two credentials")]
    assert conflict["check"] == "key-format" and conflict["level"] == "warning"
    assert "ANTHROPIC_API_KEY (user ~/.claude/settings.json)" in conflict["message"]
    assert "ANTHROPIC_AUTH_TOKEN (project-local" in conflict["message"]
    assert conflict["fix"] == "keep one key: remove ANTHROPIC_API_KEY from ~/.claude/settings.json"


def test_an_opus_alias_with_sonnet_and_haiku_pinned_warns(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url)
    document = read_json(scratch.settings)
    del document["env"]["ANTHROPIC_DEFAULT_OPUS_MODEL"]
    scratch.settings.write_text(json.dumps(document), encoding="utf-8")
    scratch.settings.chmod(0o600)
    write(scratch.project / ".claude" / "settings.json", json.dumps({"model": "opus"}))

    row = worst(doctor(scratch, "--json", "--no-network"), "opus-pin")

    assert row["level"] == "warning"
    assert "model = 'opus' (project " in row["message"]
    assert "unpinned as claude-opus-…" in row["message"]


def test_a_managed_file_users_cannot_read_fails_though_root_can(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url)
    managed = write(scratch.system_root / "etc/claude-code/managed-settings.json", '{"model": "sonnet"}')
    managed.chmod(0o600)

    result = doctor(scratch, "--json", "--no-network")

    assert result.exit_code == 8
    row = worst(result, "settings")
    assert row["level"] == "failed" and row["fix"] == f"chmod 0644 {managed}"


def test_cors_with_the_wildcard_is_ok_and_names_claude_desktop(scratch: Scratch, gw: Gateway) -> None:
    """Bifrost answers `*` (without credentials) for allowed_headers ["*"]: every header is allowed."""
    apply(scratch, gw.url)
    gw.clear_requests()

    row = worst(doctor(scratch, "--json"), "cors")

    assert row["level"] == "ok"
    assert "Claude Desktop" in row["message"]
    (preflight,) = gw.requests_to("/anthropic/v1/messages", "OPTIONS")
    assert preflight.headers["origin"] == "https://claude.ai"


def test_cors_gaps_name_the_browser_client_and_spare_the_cli(scratch: Scratch, gw: Gateway) -> None:
    apply(scratch, gw.url)
    gw.client_allowed_headers = []

    row = worst(doctor(scratch, "--json"), "cors")

    assert row["level"] == "warning"
    assert "Claude Desktop's Code/Cowork tabs" in row["message"]
    assert "Claude Code, the CLI, needs no CORS" in row["message"]
