"""doctor's network checks against a real Bifrost-like gateway on 127.0.0.1 (tests/support/gateway.py)."""

from __future__ import annotations

import contextlib
import http.server
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

import pytest

from claude_bifrost_cfg.checks import gateway as gateway_check
from claude_bifrost_cfg.checks import mcp_endpoint
from claude_bifrost_cfg.checks.base import CheckResult, Level, NetworkCheck, NetworkContext
from claude_bifrost_cfg.checks.claude_headers import PREFLIGHT_HEADERS
from claude_bifrost_cfg.checks.network import NETWORK_CHECKS, run_network_checks
from tests.support import gateway as gateway_module
from tests.support.certificates import Certificates
from tests.support.gateway import DEFAULT_KEY, MCP_TOOL_NAMES, BifrostError, Blackhole, Gateway

PINS = {
    "opus": "bedrock/global.anthropic.claude-opus-4-6-v1",
    "sonnet": "bedrock/global.anthropic.claude-sonnet-4-6",
    "haiku": "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0",
}


def context(
    url: str,
    *,
    key: str | None = DEFAULT_KEY,
    key_header: Literal["x-api-key", "bearer"] = "x-api-key",
    models: Mapping[str, str] = PINS,
    timeout: float = 5.0,
    live: bool = False,
    ca_file: str | None = None,
) -> NetworkContext:
    return NetworkContext(url, key, key_header, models, timeout, live, ca_file)


def doctor(ctx: NetworkContext, checks: Sequence[NetworkCheck] = NETWORK_CHECKS) -> list[CheckResult]:
    results: list[CheckResult] = run_network_checks(ctx, checks)
    for row in results:  # whatever happened, no row shows the key
        assert not ctx.key or ctx.key not in row.message + row.fix, row
        assert "\n" not in row.message + row.fix, row
    return results


def rows(results: list[CheckResult], check: str) -> list[CheckResult]:
    return [row for row in results if row.check == check]


def one(results: list[CheckResult], check: str) -> CheckResult:
    (row,) = rows(results, check)
    return row


def levels(results: list[CheckResult]) -> dict[str, list[Level]]:
    found: dict[str, list[Level]] = {}
    for row in results:
        found.setdefault(row.check, []).append(row.level)
    return found


# -- a healthy gateway --------------------------------------------------------------------------


def test_a_healthy_gateway_passes_every_check_but_cors_with_bifrost_default_headers(gateway: Gateway) -> None:
    results = doctor(context(gateway.url))

    assert [row.check for row in results] == ["gateway", "key", "models", "models", "models", "mcp", "cors"]
    assert levels(results) == {
        "gateway": [Level.OK],
        "key": [Level.OK],
        "models": [Level.OK] * 3,
        "mcp": [Level.OK],
        "cors": [Level.WARNING],  # Bifrost's default allowed headers miss Claude's
    }
    assert "sk-bf-…0001" in one(results, "key").message
    assert f"{len(MCP_TOOL_NAMES)} tools" in one(results, "mcp").message


def test_the_key_is_sent_to_the_anthropic_route_as_claude_code_sends_it(gateway: Gateway) -> None:
    doctor(context(gateway.url))

    (listing,) = gateway.requests_to("/anthropic/v1/models")
    assert listing.headers["x-api-key"] == DEFAULT_KEY
    assert "authorization" not in listing.headers
    assert listing.headers["anthropic-version"] == "2023-06-01"
    assert listing.headers["anthropic-beta"]
    (counting,) = gateway.requests_to("/anthropic/v1/messages/count_tokens", "POST")
    assert counting.json()["model"] == PINS["haiku"]
    assert gateway.requests_to("/anthropic/v1/messages", "POST") == []  # nothing that costs money without --live


def test_an_auth_token_is_sent_as_bearer(gateway: Gateway) -> None:
    results = doctor(context(gateway.url, key_header="bearer"))

    assert one(results, "key").level is Level.OK
    assert "Authorization: Bearer" in one(results, "key").message
    (listing,) = gateway.requests_to("/anthropic/v1/models")
    assert listing.headers["authorization"] == f"Bearer {DEFAULT_KEY}"
    assert "x-api-key" not in listing.headers


def test_live_sends_one_real_one_token_request(gateway: Gateway) -> None:
    results = doctor(context(gateway.url, live=True))

    assert levels(results)["key"] == [Level.OK, Level.OK]
    assert "live request" in rows(results, "key")[1].message
    (message,) = gateway.requests_to("/anthropic/v1/messages", "POST")
    assert message.query == "beta=true"
    assert message.json()["max_tokens"] == 1
    assert message.headers["x-api-key"] == DEFAULT_KEY


def test_the_mcp_check_initializes_and_lists_tools_with_the_key_as_bearer(gateway: Gateway) -> None:
    results = doctor(context(gateway.url), [gateway_check, *_named("mcp")])

    assert one(results, "mcp").level is Level.OK
    assert gateway.mcp_methods()[:1] == ["initialize"]
    assert "tools/list" in gateway.mcp_methods()
    for request in gateway.requests_to("/mcp"):
        assert request.headers["authorization"] == f"Bearer {DEFAULT_KEY}"


# -- the gateway check --------------------------------------------------------------------------


def test_an_unhealthy_gateway_fails_with_its_reasons(gateway: Gateway) -> None:
    gateway.health_failures = ["config store: connection refused"]

    results = doctor(context(gateway.url))

    row = results[0]
    assert (row.check, row.level) == ("gateway", Level.FAILED)
    assert "503" in row.message
    assert "config store: connection refused" in row.message
    assert row.fix
    assert one(results, "key").level is Level.OK  # the rest still says what works


def test_a_gateway_that_never_answers_costs_one_timeout_and_one_failure(blackhole: Blackhole) -> None:
    results = doctor(context(blackhole.url, timeout=1.0))

    gateway_row = results[0]
    assert (gateway_row.check, gateway_row.level) == ("gateway", Level.FAILED)
    assert "no answer" in gateway_row.message
    assert "1 s" in gateway_row.message
    assert gateway_row.fix
    assert {row.level for row in results[1:]} == {Level.SKIPPED}
    assert [row.check for row in results] == ["gateway", "key", "models", "mcp", "cors"]


def test_a_closed_port_says_nothing_listens(closed_port: int) -> None:
    results = doctor(context(f"http://127.0.0.1:{closed_port}", timeout=1.0))

    assert results[0].level is Level.FAILED
    assert "connection refused" in results[0].message
    assert "start Bifrost" in results[0].fix
    assert {row.level for row in results[1:]} == {Level.SKIPPED}


def test_an_untrusted_certificate_fails_the_gateway_check(tls_gateway: Gateway) -> None:
    results = doctor(context(tls_gateway.url, timeout=2.0))

    assert results[0].level is Level.FAILED
    assert "TLS certificate" in results[0].message
    assert "not trusted" in results[0].message
    assert "NODE_EXTRA_CA_CERTS" in results[0].fix
    assert {row.level for row in results[1:]} == {Level.SKIPPED}


def test_a_certificate_from_the_given_ca_is_trusted(tls_gateway: Gateway, certificates: Certificates) -> None:
    results = doctor(context(tls_gateway.url, ca_file=str(certificates.ca)))

    assert levels(results)["gateway"] == [Level.OK, Level.OK]
    assert "TLS certificate" in rows(results, "gateway")[1].message
    assert one(results, "mcp").level is Level.OK  # the MCP SDK verifies the same way


def test_plain_http_to_another_host_warns_that_the_key_travels_in_clear() -> None:
    assert gateway_check._transport(context("http://127.0.0.1:8080")) is None
    assert gateway_check._transport(context("http://localhost:8080")) is None
    row = gateway_check._transport(context("http://bifrost.example.com:8080"))
    assert row is not None
    assert row.level is Level.WARNING
    assert "unencrypted" in row.message


# -- the key check: each of Bifrost's answers ---------------------------------------------------

KEY_REFUSALS = [
    (BifrostError.VIRTUAL_KEY_REQUIRED, Level.FAILED, "saw no virtual key"),
    (BifrostError.VIRTUAL_KEY_NOT_FOUND, Level.FAILED, "does not know virtual key sk-bf-…0001"),
    (BifrostError.VIRTUAL_KEY_BLOCKED, Level.FAILED, "sk-bf-…0001 is inactive"),
    (BifrostError.PROVIDER_BLOCKED, Level.FAILED, "may not use provider bedrock"),
    (BifrostError.MODEL_BLOCKED, Level.FAILED, f"may not use model {PINS['haiku']}"),
    (BifrostError.BUDGET_EXCEEDED, Level.FAILED, "budget"),
    (BifrostError.RATE_LIMITED, Level.WARNING, "rate limit"),
]


@pytest.mark.parametrize(("error", "level", "said"), KEY_REFUSALS, ids=[e.name for e, _, _ in KEY_REFUSALS])
def test_each_bifrost_refusal_becomes_one_line_and_a_fix(
    gateway: Gateway, error: BifrostError, level: Level, said: str
) -> None:
    gateway.error = error

    results = doctor(context(gateway.url, live=True))

    (row,) = rows(results, "key")  # refused before the live request is tried
    assert row.level is level
    assert said in row.message
    assert row.fix
    assert gateway.requests_to("/anthropic/v1/messages", "POST") == []
    if error.needs_model:  # decided per model: listing the key's models still works
        assert set(levels(results)["models"]) == {Level.OK}
    else:
        assert levels(results)["models"] == [level]


def test_an_unknown_key_is_not_found(gateway: Gateway) -> None:
    key = "sk-bf-typo-in-the-key-9999"

    results = doctor(context(gateway.url, key=key))

    row = one(results, "key")
    assert row.level is Level.FAILED
    assert "does not know virtual key sk-bf-…9999" in row.message
    assert "copy the key again" in row.fix
    assert one(results, "mcp").level is Level.FAILED
    assert "sk-bf-…9999" in one(results, "mcp").message


def test_a_key_without_the_bifrost_prefix_is_not_read_as_a_virtual_key(gateway: Gateway) -> None:
    results = doctor(context(gateway.url, key="sk-ant-api03-not-a-bifrost-key"))

    row = one(results, "key")
    assert row.level is Level.FAILED
    assert "only when it starts with sk-bf-" in row.message
    assert "sk-ant-api03-not-a-bifrost-key" not in row.message


def test_no_key_against_a_gateway_that_requires_one(gateway: Gateway) -> None:
    results = doctor(context(gateway.url, key=None))

    assert "no virtual key is configured" in one(results, "key").message
    assert "no virtual key is configured" in one(results, "mcp").message


def test_no_key_is_fine_when_the_gateway_does_not_enforce_keys(gateway: Gateway) -> None:
    gateway.enforce_keys = False

    results = doctor(context(gateway.url, key=None))

    assert one(results, "key").level is Level.OK
    assert "without a key" in one(results, "key").message


# -- the models check ---------------------------------------------------------------------------


def test_a_pinned_model_the_key_is_not_offered_fails_with_alternatives(gateway: Gateway) -> None:
    gateway.models = [m for m in gateway.models if m != PINS["opus"]]

    results = doctor(context(gateway.url), _named("models"))

    opus, sonnet, haiku = rows(results, "models")
    assert opus.level is Level.FAILED
    assert PINS["opus"] in opus.message
    assert "not offered" in opus.message
    assert "allow the model" in opus.fix
    assert (sonnet.level, haiku.level) == (Level.OK, Level.OK)


def test_an_unprefixed_claude_model_is_found_under_anthropic(gateway: Gateway) -> None:
    results = doctor(context(gateway.url, models={"sonnet": "claude-sonnet-4-6"}), _named("models"))

    assert one(results, "models").level is Level.OK


def test_no_pinned_models_is_skipped(gateway: Gateway) -> None:
    results = doctor(context(gateway.url, models={}), _named("models"))

    assert one(results, "models").level is Level.SKIPPED


# -- the MCP check ------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "said"), [(503, "not available (HTTP 503)"), (404, "no MCP endpoint")])
def test_mcp_down(gateway: Gateway, status: int, said: str) -> None:
    gateway.mcp_status = status

    results = doctor(context(gateway.url), _named("mcp"))

    row = one(results, "mcp")
    assert row.level is Level.FAILED
    assert said in row.message
    assert row.fix


def test_the_mcp_check_speaks_sse_and_keeps_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    # The MCP SDK's own server, stateful and answering in server-sent events, with tools in pages.
    real_manager = gateway_module.StreamableHTTPSessionManager

    def stateful_sse(**options: Any) -> Any:
        return real_manager(**{**options, "json_response": False, "stateless": False})

    monkeypatch.setattr(gateway_module, "StreamableHTTPSessionManager", stateful_sse)
    monkeypatch.setattr(gateway_module, "_mcp_server", _paged_mcp_server)
    with Gateway() as gateway:
        results = doctor(context(gateway.url), _named("mcp"))

    assert one(results, "mcp").level is Level.OK, results
    assert "3 tools" in one(results, "mcp").message
    mcp = gateway.requests_to("/mcp")
    assert [r.method for r in mcp] == ["POST", "POST", "POST", "POST", "DELETE"]
    assert [m for r in mcp for m in r.jsonrpc_methods] == [
        "initialize",
        "notifications/initialized",
        "tools/list",
        "tools/list",
    ]
    initialize = mcp[0].json()["params"]
    assert initialize["protocolVersion"] == mcp_endpoint.PROTOCOL_VERSION
    assert initialize["clientInfo"]["name"] == "cbcfg-doctor"
    assert "mcp-session-id" not in mcp[0].headers
    session = mcp[1].headers["mcp-session-id"]
    assert session
    for later in mcp[1:]:
        assert later.headers["mcp-session-id"] == session
        assert later.headers["mcp-protocol-version"] in mcp_endpoint.PROTOCOL_VERSIONS
    assert mcp[3].json()["params"] == {"cursor": "page-2"}


def _paged_mcp_server() -> Any:
    import mcp_types
    from mcp.server.lowlevel import Server

    def tool(name: str) -> Any:
        return mcp_types.Tool(name=name, description=name, input_schema={"type": "object"})

    async def list_tools(ctx: Any, params: Any) -> Any:
        if params is not None and params.cursor == "page-2":
            return mcp_types.ListToolsResult(tools=[tool("c")])
        return mcp_types.ListToolsResult(tools=[tool("a"), tool("b")], next_cursor="page-2")

    return Server("paged-test-gateway", version="0.0.0", on_list_tools=list_tools)


def test_an_mcp_answer_in_an_unspoken_protocol_version_fails_the_handshake() -> None:
    answer = {"protocolVersion": "1999-01-01", "capabilities": {}, "serverInfo": {"name": "odd"}}

    with _answering_initialize(answer) as url:
        results = doctor(context(url), _named("mcp"))

    assert one(results, "mcp").level is Level.FAILED
    assert "protocol version '1999-01-01'" in one(results, "mcp").message


def test_the_mcp_handshake_as_a_whole_is_bounded_by_the_timeout() -> None:
    # Each answer within the timeout, the three of them (initialize, initialized, tools/list) not.
    answer = {"protocolVersion": mcp_endpoint.PROTOCOL_VERSION, "capabilities": {}, "tools": []}

    with _answering_initialize(answer, delay=0.2) as url:
        results = doctor(context(url, timeout=0.5), _named("mcp"))

    row = one(results, "mcp")
    assert row.level is Level.FAILED
    assert "within 0.5 s" in row.message


@contextlib.contextmanager
def _answering_initialize(result: Mapping[str, Any], delay: float = 0.0) -> Iterator[str]:
    """A loopback HTTP server whose every POST gets `result` as the JSON-RPC answer (after `delay` s)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            time.sleep(delay)
            message = json.loads(self.rfile.read(int(self.headers["content-length"])))
            body = json.dumps({"jsonrpc": "2.0", "id": message.get("id"), "result": result}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# -- the CORS check -----------------------------------------------------------------------------


def test_cors_lists_the_headers_bifrost_does_not_allow(gateway: Gateway) -> None:
    results = doctor(context(gateway.url), _named("cors"))

    row = one(results, "cors")
    assert row.level is Level.WARNING
    for header in ("anthropic-version", "anthropic-beta", "anthropic-dangerous-direct-browser-access"):
        assert header in row.message
        assert header in row.fix
    assert "x-api-key" not in row.fix  # in Bifrost's built-in list
    assert "client.allowed_headers" in row.fix
    (preflight,) = gateway.requests_to("/anthropic/v1/messages", "OPTIONS")
    assert preflight.headers["access-control-request-method"] == "POST"


def test_cors_with_the_wildcard_allows_everything(gateway: Gateway) -> None:
    gateway.client_allowed_headers = ["*"]

    assert one(doctor(context(gateway.url), _named("cors")), "cors").level is Level.OK


def test_cors_with_every_header_listed_allows_everything(gateway: Gateway) -> None:
    gateway.client_allowed_headers = list(PREFLIGHT_HEADERS)

    assert one(doctor(context(gateway.url), _named("cors")), "cors").level is Level.OK


def test_cors_with_some_headers_added_lists_only_the_rest(gateway: Gateway) -> None:
    gateway.client_allowed_headers = ["anthropic-version", "anthropic-beta"]

    row = one(doctor(context(gateway.url), _named("cors")), "cors")

    assert row.level is Level.WARNING
    assert "anthropic-dangerous-direct-browser-access" in row.fix
    assert "anthropic-version" not in row.fix
    assert "anthropic-beta," not in row.fix


def test_cors_from_an_origin_bifrost_does_not_allow(gateway: Gateway) -> None:
    gateway.allowed_origins = ["https://intranet.example.com"]

    row = one(doctor(context(gateway.url), _named("cors")), "cors")

    assert row.level is Level.WARNING
    assert "refused a CORS preflight" in row.message
    assert "client.allowed_origins" in row.fix


# -- the runner ---------------------------------------------------------------------------------


class _Crashing:
    name = "crashing"
    summary = "raises"
    network = True

    def run(self, ctx: NetworkContext, client: object) -> list[CheckResult]:
        raise RuntimeError(f"boom with {ctx.key}")


class _Hanging:
    name = "hanging"
    summary = "never returns"
    network = True

    def run(self, ctx: NetworkContext, client: object) -> list[CheckResult]:
        threading.Event().wait()
        return []


def test_a_crashing_check_is_an_error_row_and_the_others_still_run(gateway: Gateway) -> None:
    results = doctor(context(gateway.url), [gateway_check, _Crashing()])

    assert levels(results) == {"gateway": [Level.OK], "crashing": [Level.ERROR]}
    assert "RuntimeError" in one(results, "crashing").message


def test_a_check_that_never_finishes_is_stopped_at_the_deadline(gateway: Gateway) -> None:
    results = doctor(context(gateway.url, timeout=0.2), [gateway_check, _Hanging()])

    assert one(results, "gateway").level is Level.OK
    row = one(results, "hanging")
    assert row.level is Level.FAILED
    assert "within 0.2 s" in row.message


_FRESH_PROCESS = """
import json, sys
from claude_bifrost_cfg.checks.base import NetworkContext
from claude_bifrost_cfg.checks.network import run_network_checks
ctx = NetworkContext(sys.argv[1], "sk-bf-fresh-process-0001", "x-api-key", {"sonnet": "bedrock/x"}, 0.3)
print(json.dumps({row.check: row.level for row in run_network_checks(ctx)}))
"""


def test_in_a_fresh_process_a_blackhole_gives_rows_for_every_check(blackhole: Blackhole) -> None:
    # In this process the test gateway has imported everything already; a real doctor has not, and
    # its checks are cancelled (the MCP check's while it waits on the gateway) once the gateway
    # proves unreachable.
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS, blackhole.url], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout) == {
        "gateway": "failed",
        "key": "skipped",
        "models": "skipped",
        "mcp": "skipped",
        "cors": "skipped",
    }


class _SlowToLoad:
    """Spends its first 0.6 s loading (as the MCP check imports its SDK), then answers."""

    name = "slow-to-load"
    summary = "loads, then answers"
    network = True

    def __init__(self) -> None:
        self.load_started: float | None = None
        self.load_ended: float | None = None

    def loading_seconds(self, since: float) -> float:
        if self.load_started is None:
            return 0.0
        return (self.load_ended or time.monotonic()) - max(self.load_started, since)

    def run(self, ctx: NetworkContext, client: object) -> list[CheckResult]:
        self.load_started = time.monotonic()
        time.sleep(0.6)
        self.load_ended = time.monotonic()
        return [CheckResult(self.name, Level.OK, "answered")]


def test_time_a_check_spends_loading_does_not_count_against_the_deadline(gateway: Gateway) -> None:
    results = doctor(context(gateway.url, timeout=0.1), [gateway_check, _SlowToLoad()])

    assert levels(results) == {"gateway": [Level.OK], "slow-to-load": [Level.OK]}


def _named(name: str) -> list[NetworkCheck]:
    return [check for check in NETWORK_CHECKS if check.name == name]


# -- CORS as a browser reads Bifrost's answer ---------------------------------------------------


def test_cors_wildcard_answer_without_credentials_allows_every_header(gateway: Gateway) -> None:
    """allowed_headers ["*"] with allowed_origins ["*"]: Bifrost answers `*` and no credentials."""
    gateway.client_allowed_headers = ["*"]

    row = one(doctor(context(gateway.url), _named("cors")), "cors")

    assert row.level is Level.OK
    assert "Claude Desktop's Code/Cowork tabs" in row.message
    assert "any header (*)" in row.message
    (preflight,) = gateway.requests_to("/anthropic/v1/messages", "OPTIONS")
    assert preflight.headers["access-control-request-headers"]


def test_cors_wildcard_for_a_listed_origin_echoes_the_requested_headers(gateway: Gateway) -> None:
    """An origin listed by name gets credentials, and Bifrost echoes the requested headers instead of `*`."""
    gateway.client_allowed_headers = ["*"]
    gateway.allowed_origins = ["https://claude.ai"]

    row = one(doctor(context(gateway.url), _named("cors")), "cors")

    assert row.level is Level.OK
    assert f"all {len(PREFLIGHT_HEADERS)} headers" in row.message


def test_cors_a_wildcard_read_literally_beside_credentials_is_not_fixed_by_the_wildcard() -> None:
    from claude_bifrost_cfg.checks.cors import allows

    assert allows({"*"}, "anthropic-version", credentialed=False)
    assert not allows({"*", "authorization"}, "anthropic-version", credentialed=True)
    assert allows({"*", "authorization"}, "authorization", credentialed=True)


def test_cors_gaps_never_concern_claude_code_the_cli(gateway: Gateway) -> None:
    row = one(doctor(context(gateway.url), _named("cors")), "cors")

    assert row.level is Level.WARNING  # never worse: only a browser-based client is affected
    assert "Claude Code, the CLI, needs no CORS" in row.message


# -- the credentials sent -----------------------------------------------------------------------


def test_every_credential_header_is_sent_as_given(gateway: Gateway) -> None:
    headers = {"authorization": f"Bearer {DEFAULT_KEY}", "x-api-key": "sk-bf-stale-0002"}
    ctx = NetworkContext(gateway.url, DEFAULT_KEY, "bearer", PINS, credential_headers=headers)

    results = doctor(ctx, NETWORK_CHECKS[1:2])

    assert one(results, "key").level is Level.OK
    (listing,) = gateway.requests_to("/anthropic/v1/models")
    assert (listing.headers["authorization"], listing.headers["x-api-key"]) == tuple(headers.values())
