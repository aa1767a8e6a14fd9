"""mcp: Bifrost's /mcp endpoint completes initialize and tools/list with the virtual key as Bearer.

It speaks through the official MCP SDK (streamable HTTP), as MCP clients do. Importing the SDK
takes most of a second: `start_sdk_import()` imports it in a thread, started before the clock
(`network.prepare_network_checks`), and the runner does not count the import time against this
check's deadline (`loading_seconds`). A gateway that never answers still costs one timeout: the
runner stops waiting for every check once the gateway check has found it unreachable.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from claude_bifrost_cfg.checks.base import (
    CheckResult,
    Level,
    NetworkContext,
    describe_transport_error,
    tls_context,
)
from claude_bifrost_cfg.checks.bifrost_errors import explain_refusal, is_refusal, server_message

if TYPE_CHECKING:
    import httpx

name = "mcp"
summary = "the MCP endpoint answers initialize and tools/list for the virtual key"
network = True
uses_virtual_key = True  # skipped in login mode without a key: the client sends the gateway's token

_SDK_MODULES = ("httpx2", "mcp.client.session", "mcp.client.streamable_http")
_MAX_PAGES = 20
_MAX_LOADING = 30.0  # seconds of import the runner will wait for, at most
_sdk_import: Future[None] | None = None
_sdk_started = 0.0
_sdk_finished: float | None = None
_sdk_lock = threading.Lock()


def start_sdk_import() -> Future[None]:
    """Import the MCP SDK in a background thread, once; the future is done when it is loaded."""
    global _sdk_import, _sdk_started
    with _sdk_lock:
        if _sdk_import is None:
            future: Future[None] = Future()
            # Running futures cannot be cancelled: a check cancelled at the deadline must not cancel
            # the import that the next run (or this process's next doctor) will wait for.
            future.set_running_or_notify_cancel()

            def load() -> None:
                global _sdk_finished
                try:
                    for module in _SDK_MODULES:
                        importlib.import_module(module)
                except BaseException as exc:
                    _sdk_finished = time.monotonic()
                    future.set_exception(exc)
                else:
                    _sdk_finished = time.monotonic()
                    future.set_result(None)

            _sdk_started = time.monotonic()
            threading.Thread(target=load, name="cbcfg-import-mcp", daemon=True).start()
            _sdk_import = future
        return _sdk_import


def prepare() -> None:
    start_sdk_import()


def late_result(ctx: NetworkContext) -> CheckResult | None:
    if sdk_ready():
        return None
    return CheckResult(
        name,
        Level.SKIPPED,
        f"not checked: loading the MCP SDK took longer than the {ctx.timeout:g} s timeout",
        "raise --timeout",
    )


def sdk_ready() -> bool:
    future = _sdk_import
    return future is not None and future.done() and not future.cancelled() and future.exception() is None


def loading_seconds(since: float) -> float:
    """How long importing the SDK has taken since `since` (a time.monotonic()), up to a limit."""
    if _sdk_import is None:
        return 0.0
    end = _sdk_finished if _sdk_finished is not None else time.monotonic()
    return min(max(0.0, end - max(_sdk_started, since)), _MAX_LOADING)


async def run(ctx: NetworkContext, client: httpx.AsyncClient) -> list[CheckResult]:
    await asyncio.wrap_future(start_sdk_import())
    import httpx2
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    failures: list[tuple[int, bytes]] = []

    async def keep_failure(response: httpx2.Response) -> None:
        if response.status_code >= 400:
            failures.append((response.status_code, await response.aread()))

    headers = {"authorization": f"Bearer {ctx.key}"} if ctx.key else {}
    try:
        async with (
            asyncio.timeout(ctx.timeout),
            httpx2.AsyncClient(
                headers=headers,
                timeout=ctx.timeout,
                verify=tls_context(ctx),
                event_hooks={"response": [keep_failure]},
            ) as http,
            streamable_http_client(ctx.url("/mcp"), http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            initialized = await session.initialize()
            tools = await _count_tools(session)
    except TimeoutError as exc:
        raise describe_transport_error(exc, ctx) from None
    except Exception as exc:
        if failures:
            return [_refusal(ctx, *failures[-1])]
        if any(isinstance(cause, httpx2.TransportError) for cause in _leaves(exc)):
            raise describe_transport_error(exc, ctx) from None
        return [
            CheckResult(
                name,
                Level.FAILED,
                f"the MCP endpoint at {ctx.address}/mcp failed the handshake: {_first_line(exc)}",
                "see Bifrost's log for the cause",
            )
        ]
    server = initialized.server_info.name
    return [CheckResult(name, Level.OK, f"MCP endpoint answered ({server}): {tools} tools")]


async def _count_tools(session: Any) -> int:
    count, cursor = 0, None
    for _ in range(_MAX_PAGES):
        page = await session.list_tools(cursor=cursor) if cursor else await session.list_tools()
        count += len(page.tools)
        cursor = page.next_cursor
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


def _leaves(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        if current.__cause__ is not None:
            stack.append(current.__cause__)
    return found


def _first_line(exc: BaseException) -> str:
    leaf = exc
    while isinstance(leaf, BaseExceptionGroup) and leaf.exceptions:
        leaf = leaf.exceptions[0]
    text = str(leaf).splitlines()[0] if str(leaf) else type(leaf).__name__
    return text[:160]
