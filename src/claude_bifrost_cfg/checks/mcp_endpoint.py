"""mcp: Bifrost's /mcp endpoint completes initialize and tools/list with the virtual key as Bearer.

It speaks MCP's streamable HTTP transport itself, over the runner's httpx client, as an MCP client
does: POST `initialize` offering a protocol version and client info; read the answer as JSON or as
a server-sent event stream; keep the negotiated version and the `Mcp-Session-Id` the server gives;
POST `notifications/initialized` (202); page through `tools/list` by `nextCursor`, sending
`MCP-Protocol-Version` and the session id on every later request; DELETE the session at the end.

Not the MCP SDK: importing it takes most of a second (about 0.9 s, against milliseconds of network
work), which made doctor slow to answer while something is broken. What the SDK would add is what
this check does not need: other transports (stdio, the old HTTP+SSE), resumable streams, answering
server requests (sampling, elicitation), and the typed models. The trade-off is in the README.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from claude_bifrost_cfg import __version__
from claude_bifrost_cfg.checks.base import CheckResult, Level, NetworkContext, describe_transport_error
from claude_bifrost_cfg.checks.bifrost_errors import explain_refusal, is_refusal, server_message

if TYPE_CHECKING:
    import httpx

name = "mcp"
summary = "the MCP endpoint answers initialize and tools/list for the virtual key"
network = True
uses_virtual_key = True  # skipped in login mode without a key: the client sends the gateway's token

# The newest revision reachable through the initialize handshake, then the older ones a server may
# answer with (the client must disconnect from any other).
PROTOCOL_VERSION = "2025-11-25"
PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
SESSION_HEADER = "mcp-session-id"
VERSION_HEADER = "mcp-protocol-version"
_MAX_PAGES = 20


class _Refused(Exception):
    """The endpoint answered an HTTP error status."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status, self.body = status, body


class _Broken(Exception):
    """The endpoint answered, but not as MCP says it should."""


class Exchange:
    """One MCP session over streamable HTTP: JSON-RPC requests POSTed to one URL."""

    def __init__(self, client: httpx.Client, url: str, key: str | None, seconds: float = 5.0) -> None:
        self.client, self.url = client, url
        self.deadline = time.monotonic() + seconds  # for the whole exchange, as for one request
        self.headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
        if key:
            self.headers["authorization"] = f"Bearer {key}"
        self.session_id: str | None = None
        self.protocol_version: str | None = None
        self._next_id = 0

    def _time_left(self) -> float:
        """Seconds left for the exchange: each request may take what is left, no more."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the MCP exchange ran out of time")
        return left

    def _headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.session_id is not None:
            headers[SESSION_HEADER] = self.session_id
        if self.protocol_version is not None:
            headers[VERSION_HEADER] = self.protocol_version
        return headers

    def initialize(self) -> dict[str, Any]:
        params = {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "cbcfg-doctor", "version": __version__},
        }
        result = self.request("initialize", params)
        version = result.get("protocolVersion")
        if version not in PROTOCOL_VERSIONS:
            raise _Broken(f"the server answered protocol version {version!r}, which cbcfg does not speak")
        self.protocol_version = version
        self.notify("notifications/initialized")
        return result

    def request(self, method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The result of one JSON-RPC request; raises _Refused or _Broken."""
        self._next_id += 1
        request_id = self._next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = dict(params)
        content, left = json.dumps(message), self._time_left()
        with self.client.stream("POST", self.url, headers=self._headers(), content=content, timeout=left) as r:
            if r.status_code >= 400:
                raise _Refused(r.status_code, r.read())
            if method == "initialize" and (session := r.headers.get(SESSION_HEADER)):
                self.session_id = session
            kind = r.headers.get("content-type", "").partition(";")[0].strip().lower()
            if kind == "text/event-stream":
                answer = _answer_in_stream(r, request_id)
            elif kind == "application/json":
                answer = _answer_in(_json(r.read()), request_id)
            else:
                raise _Broken(f"{method} was answered with HTTP {r.status_code} and content type {kind or 'none'}")
        if answer is None:
            raise _Broken(f"no answer to {method}")
        if isinstance(error := answer.get("error"), dict):
            raise _Broken(f"{method} failed: {error.get('message', error)} (code {error.get('code')})")
        result = answer.get("result")
        if not isinstance(result, dict):
            raise _Broken(f"the answer to {method} has no result")
        return result

    def notify(self, method: str) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        left = self._time_left()
        response = self.client.post(self.url, headers=self._headers(), content=json.dumps(message), timeout=left)
        if response.status_code >= 400:
            raise _Refused(response.status_code, response.content)
        # 202 Accepted is what the transport prescribes; another 2xx is taken as accepted too, as
        # the SDK's client takes it: doctor must not fail a gateway MCP clients work with.
        if not 200 <= response.status_code < 300:
            raise _Broken(f"{method} was answered with HTTP {response.status_code}, not 202 Accepted")

    def close(self) -> None:
        """End the session (a server may answer 405: it does not let clients end sessions)."""
        if self.session_id is not None:
            self.client.delete(self.url, headers=self._headers(), timeout=self._time_left())


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise _Broken("the answer is not JSON") from None


def _answer_in(payload: Any, request_id: int) -> dict[str, Any] | None:
    """The response to `request_id` in one JSON-RPC message or a batch of them."""
    for message in payload if isinstance(payload, list) else [payload]:
        if isinstance(message, dict) and message.get("id") == request_id and "method" not in message:
            return message
    return None


def _answer_in_stream(response: httpx.Response, request_id: int) -> dict[str, Any] | None:
    """Read server-sent events until the response to `request_id` (the server may send requests
    and notifications before it, and keep the stream open after it)."""
    data: list[str] = []
    for line in response.iter_lines():
        if line == "":  # an event ends
            if data and (answer := _answer_in(_json("\n".join(data).encode()), request_id)) is not None:
                return answer
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        return _answer_in(_json("\n".join(data).encode()), request_id)
    return None


def run(ctx: NetworkContext, client: httpx.Client) -> list[CheckResult]:
    import httpx

    exchange = Exchange(client, ctx.url("/mcp"), ctx.key, ctx.timeout)
    try:
        try:
            initialized = exchange.initialize()
            tools = _count_tools(exchange)
        finally:
            # The check's answer stands whatever the DELETE meets; a server ends idle sessions itself.
            with contextlib.suppress(httpx.HTTPError, TimeoutError):
                exchange.close()
    except TimeoutError as exc:
        raise describe_transport_error(exc, ctx) from None
    except httpx.TransportError as exc:
        raise describe_transport_error(exc, ctx) from None
    except _Refused as refused:
        return [_refusal(ctx, refused.status, refused.body)]
    except _Broken as broken:
        return [
            CheckResult(
                name,
                Level.FAILED,
                f"the MCP endpoint at {ctx.address}/mcp failed the handshake: {str(broken)[:160]}",
                "see Bifrost's log for the cause",
            )
        ]
    info = initialized.get("serverInfo")
    server = info.get("name") if isinstance(info, dict) else None
    return [CheckResult(name, Level.OK, f"MCP endpoint answered ({server or 'unnamed server'}): {tools} tools")]


def _count_tools(exchange: Exchange) -> int:
    count, cursor = 0, None
    for _ in range(_MAX_PAGES):
        page = exchange.request("tools/list", {"cursor": cursor} if cursor else None)
        tools = page.get("tools")
        if not isinstance(tools, list):
            raise _Broken("the answer to tools/list has no tools list")
        count += len(tools)
        cursor = page.get("nextCursor")
        if not cursor:
            break
    return count


def _refusal(ctx: NetworkContext, status: int, body: bytes) -> CheckResult:
    where = f"{ctx.address}/mcp"
    if status == 404:
        return CheckResult(
            name,
            Level.FAILED,
            f"no MCP endpoint at {where} (HTTP 404)",
            "enable Bifrost's MCP gateway, or drop the MCP entry from the profile",
        )
    if is_refusal(status):
        explained = explain_refusal(status, body, key=ctx.key, key_header="bearer", what="the MCP handshake")
        return CheckResult(name, explained.level, f"MCP: {explained.message}", explained.fix)
    said = server_message(body, ctx.key)
    return CheckResult(
        name,
        Level.FAILED,
        f"the MCP endpoint at {where} is not available (HTTP {status})" + (f": {said}" if said else ""),
        "check Bifrost's MCP configuration and its log",
    )
