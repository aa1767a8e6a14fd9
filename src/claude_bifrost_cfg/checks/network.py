"""Run the network checks concurrently under one deadline: a gateway that never answers costs
about one timeout, not one per check."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from claude_bifrost_cfg.checks import cors, gateway, key, mcp_endpoint, models
from claude_bifrost_cfg.checks.base import (
    CheckResult,
    Level,
    NetworkCheck,
    NetworkContext,
    Unreachable,
    describe_transport_error,
    tls_context,
)

if TYPE_CHECKING:
    import httpx

NETWORK_CHECKS: tuple[NetworkCheck, ...] = (gateway, key, models, mcp_endpoint, cors)
# Time past the per-request timeout for the checks to turn their own timeouts into rows.
DEADLINE_MARGIN = 0.25
_CANCEL_GRACE = 0.5
# What httpx imports on its first async request (its connection pool, anyio's asyncio backend).
_WARM_UP = ("httpx", "httpcore", "h11", "certifi", "anyio._backends._asyncio")


def prepare_network_checks(checks: Sequence[NetworkCheck] = NETWORK_CHECKS) -> None:
    """Start slow imports early (the MCP SDK, in a thread), so they overlap with other work.

    What the other checks need is imported here first, in this thread: a module the SDK's thread
    is importing blocks every other importer of it until done, which would eat their timeouts.
    """
    for module in _WARM_UP:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    if mcp_endpoint in checks:
        mcp_endpoint.start_sdk_import()


async def run_network_checks(ctx: NetworkContext, checks: Sequence[NetworkCheck] = NETWORK_CHECKS) -> list[CheckResult]:
    """Every check's rows, in the order of `checks`; never raises for a gateway's misbehaviour."""
    import httpx

    prepare_network_checks(checks)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.timeout + DEADLINE_MARGIN
    async with httpx.AsyncClient(timeout=ctx.timeout, verify=tls_context(ctx.ca_file)) as client:
        tasks = [asyncio.ensure_future(_run_one(check, ctx, client)) for check in checks]
        by_name = dict(zip((check.name for check in checks), tasks, strict=True))
        pending = set(tasks)
        while pending and (remaining := deadline - loop.time()) > 0:
            _, pending = await asyncio.wait(pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            if _unreachable(by_name.get(gateway.name)):
                break  # the others cannot get further than the gateway did
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=_CANCEL_GRACE)

    outcomes: list[tuple[NetworkCheck, list[CheckResult], bool]] = []
    for check, task in zip(checks, tasks, strict=True):
        if task.done() and not task.cancelled():
            rows, unreachable = task.result()
        else:
            rows, unreachable = [_late(check, ctx)], True
        outcomes.append((check, rows, unreachable))

    # When the gateway itself cannot be reached, say it once and mark the others as not checked.
    gateway_down = _unreachable(by_name.get(gateway.name))
    results: list[CheckResult] = []
    for check, rows, unreachable in outcomes:
        if gateway_down and unreachable and check.name != gateway.name:
            rows = [CheckResult(check.name, Level.SKIPPED, "not checked: the gateway cannot be reached")]
        results.extend(rows)
    return results


def _unreachable(task: asyncio.Future[tuple[list[CheckResult], bool]] | None) -> bool:
    return task is not None and task.done() and not task.cancelled() and task.result()[1]


async def _run_one(
    check: NetworkCheck, ctx: NetworkContext, client: httpx.AsyncClient
) -> tuple[list[CheckResult], bool]:
    """The check's rows, and whether it could not reach the gateway at all."""
    import httpx

    try:
        return await check.run(ctx, client), False
    except Unreachable as exc:
        return [CheckResult(check.name, Level.FAILED, exc.message, exc.fix)], True
    except httpx.TransportError as exc:
        reason = describe_transport_error(exc, ctx)
        return [CheckResult(check.name, Level.FAILED, reason.message, reason.fix)], True
    except Exception as exc:  # a bug in the check must not hide the other checks' results
        message = f"the check crashed: {type(exc).__name__}: {exc}"
        return [CheckResult(check.name, Level.ERROR, _one_line(message, ctx), "please report this to cbcfg")], False


def _late(check: NetworkCheck, ctx: NetworkContext) -> CheckResult:
    if check is mcp_endpoint and not mcp_endpoint.sdk_ready():
        return CheckResult(
            check.name,
            Level.SKIPPED,
            f"not checked: loading the MCP SDK took longer than the {ctx.timeout:g} s timeout",
            "raise --timeout",
        )
    return CheckResult(
        check.name,
        Level.FAILED,
        f"no complete answer from {ctx.address} within {ctx.timeout:g} s",
        "check that Bifrost runs there and nothing swallows the traffic; raise --timeout on slow links",
    )


def _one_line(text: str, ctx: NetworkContext) -> str:
    from claude_bifrost_cfg.secrets import redact

    line = " ".join(text.split())
    return redact(line, [ctx.key] if ctx.key else [])[:200]
