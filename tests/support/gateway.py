"""A small Bifrost-like gateway for the tests: 127.0.0.1, a free port, a background thread.

    with Gateway() as gw:                        # or the `gateway` fixture
        gw.url                                   # http://127.0.0.1:PORT, Bifrost's root
        gw.anthropic_url                         # what ANTHROPIC_BASE_URL points at
        gw.mcp_url                               # what an MCP entry points at
        gw.error = BifrostError.MODEL_BLOCKED    # switch a behaviour (see Gateway's attributes)
        gw.requests                              # every request that arrived, in order
        gw.mcp_methods()                         # JSON-RPC methods seen on /mcp, in order

Routes, answered the way Bifrost answers them: `GET /health`; `HEAD|GET /anthropic/api/hello`;
`POST /anthropic/v1/messages` (SSE stream when `"stream": true`, else a JSON message);
`POST /anthropic/v1/messages/count_tokens`; `GET /anthropic/v1/models`; `GET /v1/models`
(`provider/model` ids); `/mcp`, a real MCP server (the MCP SDK's streamable HTTP transport, JSON
responses) behind the same virtual-key check; `OPTIONS` anywhere, with Bifrost's CORS headers.
"""

from __future__ import annotations

import itertools
import json
import selectors
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Any

import mcp_types
import uvicorn
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager as StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from tests.support.gateway_login import PREFIX as LOGIN_PREFIX
from tests.support.gateway_login import GatewayLogin

HOST = "127.0.0.1"
KEY_PREFIX = "sk-bf-"
DEFAULT_KEY = "sk-bf-test-gateway-0001"
# Bifrost's CORS headers before `client.allowed_headers` adds to them (handlers/middlewares.go).
BUILTIN_ALLOWED_HEADERS = (
    "Content-Type",
    "Authorization",
    "X-Requested-With",
    "X-Stainless-Timeout",
    "X-Api-Key",
    "X-OpenAI-Agents-SDK",
)
DEFAULT_MODELS = (
    "anthropic/claude-opus-4-6",
    "anthropic/claude-sonnet-4-6",
    "anthropic/claude-haiku-4-5",
    "bedrock/global.anthropic.claude-opus-4-6-v1",
    "bedrock/global.anthropic.claude-sonnet-4-6",
    "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "vertex/claude-sonnet-4-6",
    "vertex/claude-haiku-4-5",
    "azure/claude-sonnet-4-6",
    "azure/claude-haiku-4-5",
    "openai/gpt-5",
)
MCP_TOOL_NAMES = ("echo", "add")


class BifrostError(Enum):
    """The governance answers Bifrost gives, as (HTTP status, error type, message)."""

    VIRTUAL_KEY_REQUIRED = (401, "virtual_key_required", "virtual key is required")
    VIRTUAL_KEY_NOT_FOUND = (401, "virtual_key_not_found", "Virtual key not found")
    VIRTUAL_KEY_BLOCKED = (403, "virtual_key_blocked", "Virtual key is inactive")
    PROVIDER_BLOCKED = (403, "provider_blocked", "Provider '{provider}' is not allowed for this virtual key")
    MODEL_BLOCKED = (403, "model_blocked", "Model '{model}' is not allowed for this virtual key")
    BUDGET_EXCEEDED = (402, "budget_exceeded", "Budget exceeded for virtual key")
    RATE_LIMITED = (429, "rate_limited", "Rate limit exceeded for virtual key")

    @property
    def status(self) -> int:
        return int(self.value[0])

    @property
    def type(self) -> str:
        return str(self.value[1])

    @property
    def needs_model(self) -> bool:
        """Like Bifrost, these are decided per model: listing models is never refused for them."""
        return self in (
            BifrostError.PROVIDER_BLOCKED,
            BifrostError.MODEL_BLOCKED,
            BifrostError.BUDGET_EXCEEDED,
            BifrostError.RATE_LIMITED,
        )

    def message(self, model: str | None = None) -> str:
        provider = model.split("/", 1)[0] if model and "/" in model else "anthropic"
        return str(self.value[2]).format(model=model or "?", provider=provider)


def virtual_key_of(headers: Mapping[str, str]) -> str | None:
    """The virtual key as Bifrost reads it: `x-bf-vk` as is; `Authorization: Bearer` and `x-api-key`
    only when the value starts with sk-bf-."""
    if vk := headers.get("x-bf-vk"):
        return vk
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip().startswith(KEY_PREFIX):
        return token.strip()
    api_key = headers.get("x-api-key", "")
    return api_key if api_key.startswith(KEY_PREFIX) else None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # with the query string, e.g. "/anthropic/v1/messages?beta=true"
    headers: Mapping[str, str]  # names lower-cased; repeated headers joined with ", "
    body: bytes

    @property
    def route(self) -> str:
        return self.path.partition("?")[0]

    @property
    def query(self) -> str:
        return self.path.partition("?")[2]

    def json(self) -> Any:
        """The body parsed as JSON; None when empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def virtual_key(self) -> str | None:
        return virtual_key_of(self.headers)

    @property
    def jsonrpc_methods(self) -> tuple[str, ...]:
        """JSON-RPC method names in the body (one message or a batch); responses have none."""
        body = self.json()
        messages = body if isinstance(body, list) else [body]
        return tuple(m["method"] for m in messages if isinstance(m, dict) and isinstance(m.get("method"), str))


@dataclass(frozen=True)
class _Settings:
    keys: frozenset[str]
    enforce_keys: bool
    models: tuple[str, ...]
    client_allowed_headers: tuple[str, ...]
    allowed_origins: tuple[str, ...]
    reply_text: str


class Gateway:
    """The switches are plain attributes, read on every request; `reset()` restores the start values.

    - `keys`: valid virtual keys; `enforce_keys`: a request without one gets 401 virtual_key_required
      (an unknown sk-bf- key always gets 401 virtual_key_not_found).
    - `error`: a `BifrostError` every /anthropic/v1 and /v1 request gets (per-model ones only when the
      request names a model); None for none.
    - `health_failures`: reasons; when not empty `/health` answers 503 with them.
    - `mcp_status`: None serves MCP; 503 or 404 makes /mcp answer that status ("MCP down").
    - `models`: `provider/model` ids listed by /v1/models and /anthropic/v1/models.
    - `client_allowed_headers`: Bifrost's `client.allowed_headers` (added to the built-in CORS list;
      ["*"] is Bifrost's wildcard); `allowed_origins`: `client.allowed_origins` (localhost is always
      allowed, as in Bifrost).
    - `reply_text`: the assistant's text in /anthropic/v1/messages answers.
    """

    def __init__(
        self,
        *,
        keys: Iterable[str] = (DEFAULT_KEY,),
        enforce_keys: bool = True,
        models: Iterable[str] = DEFAULT_MODELS,
        client_allowed_headers: Iterable[str] = (),
        allowed_origins: Iterable[str] = ("*",),
        reply_text: str = "hi",
        tls: tuple[str, str] | None = None,  # (certificate file, key file): serve https
    ) -> None:
        self._initial = _Settings(
            keys=frozenset(keys),
            enforce_keys=enforce_keys,
            models=tuple(models),
            client_allowed_headers=tuple(client_allowed_headers),
            allowed_origins=tuple(allowed_origins),
            reply_text=reply_text,
        )
        self._tls = tls
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._ids = itertools.count(1)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._mcp: StreamableHTTPSessionManager | None = None
        self.port = 0
        self.login = GatewayLogin(self)  # the /claude-code gateway sign-in (tests/support/gateway_login.py)
        self.reset()

    def reset(self) -> None:
        """Back to the start values: valid keys enforced, healthy, no error, MCP up; requests cleared."""
        self.keys: set[str] = set(self._initial.keys)
        self.enforce_keys: bool = self._initial.enforce_keys
        self.models: list[str] = list(self._initial.models)
        self.client_allowed_headers: list[str] = list(self._initial.client_allowed_headers)
        self.allowed_origins: list[str] = list(self._initial.allowed_origins)
        self.reply_text: str = self._initial.reply_text
        self.error: BifrostError | None = None
        self.health_failures: list[str] = []
        self.mcp_status: int | None = None
        self.login.reset()
        self.clear_requests()

    # -- addresses --------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://{HOST}:{self.port}"

    @property
    def anthropic_url(self) -> str:
        return f"{self.url}/anthropic"

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    # -- what arrived -----------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, route: str, method: str | None = None) -> list[RecordedRequest]:
        """Requests whose path without the query is `route` (and whose method is `method`)."""
        return [r for r in self.requests if r.route == route and (method is None or r.method == method)]

    def mcp_methods(self) -> list[str]:
        return [m for r in self.requests_to("/mcp") for m in r.jsonrpc_methods]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> Gateway:
        if self._thread is not None:
            raise RuntimeError("gateway already started")
        # IPPROTO_TCP spelled out: asyncio turns Nagle's algorithm off (TCP_NODELAY, as Bifrost's Go
        # server does) only on sockets whose proto says TCP; with proto 0 every answer written in two
        # parts waited ~40 ms for the client's delayed ACK on a reused connection.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind((HOST, 0))
        self.port = sock.getsockname()[1]
        # A session manager runs once: a fresh one per start.
        self._mcp = StreamableHTTPSessionManager(
            app=_mcp_server(),
            json_response=True,
            stateless=True,
            security_settings=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        config = uvicorn.Config(
            self._asgi,
            host=HOST,
            port=self.port,
            interface="asgi3",
            lifespan="on",
            loop="asyncio",
            http="h11",
            ws="none",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
            ssl_certfile=self._tls[0] if self._tls else None,
            ssl_keyfile=self._tls[1] if self._tls else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"gateway-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the test gateway did not start")
            time.sleep(0.002)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = self._mcp = None

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the ASGI application ---------------------------------------------------------------------
    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        query = scope["query_string"].decode("latin-1")
        request = RecordedRequest(scope["method"], scope["path"] + (f"?{query}" if query else ""), headers, body)
        with self._lock:
            self._requests.append(request)

        cors = self._cors_headers(headers.get("origin", ""), headers.get("access-control-request-headers", ""))
        send = _adding_headers(send, cors)
        if request.method == "OPTIONS":  # Bifrost answers every OPTIONS itself
            await Response(status_code=200 if cors else 403)(scope, receive, send)
            return
        response = self._respond(request)
        if response is None:
            assert self._mcp is not None
            await self._mcp.handle_request(scope, _replaying(body, receive), send)
        else:
            await response(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        assert self._mcp is not None
        async with self._mcp.run():
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})

    def _cors_headers(self, origin: str, requested: str) -> list[tuple[bytes, bytes]]:
        """Bifrost's CorsMiddleware: credentials only for an origin not matched by the `*` wildcard
        alone; with "*" in allowed_headers, `*` without credentials, else the requested headers echoed."""
        localhost = origin.split("://", 1)[-1].split(":", 1)[0] in ("localhost", "127.0.0.1", "0.0.0.0")
        if not origin or not ("*" in self.allowed_origins or origin in self.allowed_origins or localhost):
            return []
        credentialed = "*" not in self.allowed_origins or localhost or origin in self.allowed_origins
        allowed = list(BUILTIN_ALLOWED_HEADERS)
        if "*" in self.client_allowed_headers:
            if not credentialed:
                allowed = ["*"]
            elif requested:
                allowed = [requested]
        else:
            allowed += [h for h in self.client_allowed_headers if h not in allowed]
        pairs = {
            "access-control-allow-origin": origin,
            "access-control-allow-methods": "GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD",
            "access-control-allow-headers": ", ".join(allowed),
            **({"access-control-allow-credentials": "true"} if credentialed else {}),
            "access-control-max-age": "86400",
            "vary": "Origin",
        }
        return [(k.encode(), v.encode("latin-1")) for k, v in pairs.items()]

    def _respond(self, request: RecordedRequest) -> Response | None:
        """The answer to a request, or None to hand it to the MCP server."""
        route, method = request.route, request.method
        if route == LOGIN_PREFIX or route.startswith(LOGIN_PREFIX + "/"):
            return self.login.respond(request)
        if route == "/health" and method == "GET":
            if self.health_failures:
                return _bifrost_error(503, "service_unavailable", "; ".join(self.health_failures))
            return JSONResponse({"status": "ok"})
        if route == "/anthropic/api/hello" and method in ("GET", "HEAD"):
            return Response(status_code=200) if method == "HEAD" else JSONResponse({"message": "hello"})
        if route == "/mcp":
            if self.mcp_status is not None:
                return _bifrost_error(self.mcp_status, "mcp_unavailable", "MCP gateway is not available")
            denied = self._key_denial(request)
            return _bifrost_error(denied.status, denied.type, denied.message()) if denied else None
        anthropic = route.startswith("/anthropic/v1/")
        if not (anthropic or route.startswith("/v1/")):
            return _bifrost_error(404, "not_found", f"no route {method} {route}")

        body = request.json()
        model = body.get("model") if isinstance(body, dict) and isinstance(body.get("model"), str) else None
        denied = self._key_denial(request)
        if denied is None and self.error is not None and (model or not self.error.needs_model):
            denied = self.error
        if denied is not None:
            if anthropic:
                return _anthropic_error(denied.status, denied.type, denied.message(model))
            return _bifrost_error(denied.status, denied.type, denied.message(model))

        if (method, route) == ("POST", "/anthropic/v1/messages"):
            return self._messages(body)
        if (method, route) == ("POST", "/anthropic/v1/messages/count_tokens"):
            if not isinstance(body, dict) or model is None:
                return _anthropic_error(400, "invalid_request_error", "model: field required")
            return JSONResponse({"input_tokens": _estimate_tokens(body)})
        if (method, route) == ("GET", "/anthropic/v1/models"):
            data: list[dict[str, Any]] = [
                {"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"} for m in self.models
            ]
            first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
            return JSONResponse({"data": data, "has_more": False, "first_id": first, "last_id": last})
        if (method, route) == ("GET", "/v1/models"):
            data = [{"id": m, "object": "model", "owned_by": m.partition("/")[0], "created": 0} for m in self.models]
            return JSONResponse({"object": "list", "data": data})
        if anthropic:
            return _anthropic_error(404, "not_found_error", f"no route {method} {route}")
        return _bifrost_error(404, "not_found", f"no route {method} {route}")

    def _key_denial(self, request: RecordedRequest) -> BifrostError | None:
        key = request.virtual_key
        if key is None:
            return BifrostError.VIRTUAL_KEY_REQUIRED if self.enforce_keys else None
        return None if key in self.keys else BifrostError.VIRTUAL_KEY_NOT_FOUND

    def answer_messages(self, body: Any) -> Response:
        """A Messages API answer to `body` (what /anthropic/v1/messages sends once the key passed)."""
        return self._messages(body)

    def _messages(self, body: Any) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return _anthropic_error(400, "invalid_request_error", "model: field required")
        model, text = body["model"], self.reply_text
        usage = {"input_tokens": _estimate_tokens(body), "output_tokens": 1}
        message: dict[str, Any] = {
            "id": f"msg_gateway_{next(self._ids):04d}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }
        if not body.get("stream"):
            return JSONResponse(message)
        start = {**message, "content": [], "stop_reason": None}
        block = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": text}
        done = {"stop_reason": "end_turn", "stop_sequence": None}
        events: list[dict[str, Any]] = [
            {"type": "message_start", "message": start},
            {"type": "content_block_start", "index": 0, "content_block": block},
            {"type": "ping"},
            {"type": "content_block_delta", "index": 0, "delta": delta},
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": done, "usage": {"output_tokens": 1}},
            {"type": "message_stop"},
        ]

        async def stream() -> AsyncIterator[bytes]:
            for event in events:
                yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"cache-control": "no-cache"})


def _mcp_server() -> Server[Any]:
    tools = [
        mcp_types.Tool(
            name="echo",
            description="Say the text back.",
            input_schema={"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
        ),
        mcp_types.Tool(
            name="add",
            description="Add two numbers.",
            input_schema={
                "type": "object",
                "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                "required": ["a", "b"],
            },
        ),
    ]

    async def list_tools(ctx: Any, params: Any) -> mcp_types.ListToolsResult:
        return mcp_types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: mcp_types.CallToolRequestParams) -> mcp_types.CallToolResult:
        args = params.arguments or {}
        text = str(args.get("text", "")) if params.name == "echo" else str(args.get("a", 0) + args.get("b", 0))
        return mcp_types.CallToolResult(content=[mcp_types.TextContent(type="text", text=text)])

    return Server("bifrost-test-gateway", version="0.0.0", on_list_tools=list_tools, on_call_tool=call_tool)


def _anthropic_error(status: int, error_type: str, message: str) -> Response:
    return JSONResponse({"type": "error", "error": {"type": error_type, "message": message}}, status_code=status)


def _bifrost_error(status: int, error_type: str, message: str) -> Response:
    body = {"is_bifrost_error": True, "status_code": status, "error": {"type": error_type, "message": message}}
    return JSONResponse(body, status_code=status)


def _estimate_tokens(body: Mapping[str, Any]) -> int:
    text = json.dumps(body.get("messages", [])) + json.dumps(body.get("system", ""))
    return max(1, len(text) // 4)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the already-read body once, then what the client sends next."""
    pending = [body]

    async def replay() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        return await receive()

    return replay


def _adding_headers(send: Send, extra: Sequence[tuple[bytes, bytes]]) -> Send:
    if not extra:
        return send

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


class Blackhole:
    """A TCP port on 127.0.0.1 that accepts connections and never answers (what it gets is dropped)."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((HOST, 0))
        self.port: int = self._listener.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"blackhole-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> Blackhole:
        self._listener.listen(64)
        self._listener.setblocking(False)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> Blackhole:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _serve(self) -> None:
        held: list[socket.socket] = []
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.05):
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if sock is self._listener:
                        conn, _ = sock.accept()
                        conn.setblocking(False)
                        held.append(conn)
                        self.connections += 1
                        selector.register(conn, selectors.EVENT_READ)
                        continue
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = b""
                    if not data:  # the client gave up: forget it
                        selector.unregister(sock)
                        sock.close()
                        held.remove(sock)
        for conn in held:
            conn.close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: bound to find a free one, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port
