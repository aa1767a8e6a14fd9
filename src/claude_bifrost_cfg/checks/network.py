"""Run the network checks concurrently (a thread each) under one deadline: a gateway that never
answers costs about one timeout, not one per check."""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from claude_bifrost_cfg.checks import cors, gateway, key, login, mcp_endpoint, models
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

NETWORK_CHECKS: tuple[NetworkCheck, ...] = (gateway, key, models, mcp_endpoint, cors, login)
# Time past the per-request timeout for the checks to turn their own timeouts into rows.
DEADLINE_MARGIN = 0.25
# What httpx imports on its first request (its connection pool, the HTTP/1.1 parser).
_WARM_UP = ("httpx", "httpcore", "h11", "certifi")


def prepare_network_checks(checks: Sequence[NetworkCheck] = NETWORK_CHECKS) -> None:
    """Load what the checks need before the clock starts (doctor calls this before the local
    checks): httpx's modules, then each check's own `prepare`, if it has one."""
    for module in _WARM_UP:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    for check in checks:
        prepare = getattr(check, "prepare", None)
        if callable(prepare):
            prepare()


def run_network_checks(ctx: NetworkContext, checks: Sequence[NetworkCheck] = NETWORK_CHECKS) -> list[CheckResult]:
    """Every check's rows, in the order of `checks`; never raises for a gateway's misbehaviour.

    Each check runs in a thread of its own over one shared httpx client (its connection pool is
    thread-safe); they mostly wait on the gateway. Threads, not asyncio: asyncio and anyio's
    backend, which httpx's async client needs, cost more to import than the checks take to run.
    A check still running at the deadline is not waited for: its row says so, and its thread (a
    daemon, bounded by the per-request timeout) ends on its own.
    """
    import httpx

    prepare_network_checks(checks)
    started = time.monotonic()
    deadline = started + ctx.timeout + DEADLINE_MARGIN

    def deadline_of(check: NetworkCheck) -> float:
        # Time a check spends loading (its `loading_seconds`) is this machine's, not the gateway's: not counted.
        loading = getattr(check, "loading_seconds", None)
        return deadline + (float(loading(started)) if callable(loading) else 0.0)

    client = httpx.Client(timeout=ctx.timeout, verify=tls_context(ctx))
    done: dict[int, tuple[list[CheckResult], bool]] = {}
    finished = threading.Condition()

    def work(index: int, check: NetworkCheck) -> None:
        outcome = _run_one(check, ctx, client)
        with finished:
            done[index] = outcome
            finished.notify_all()

    threads = [
        threading.Thread(target=work, args=(index, check), name=f"cbcfg-check-{check.name}", daemon=True)
        for index, check in enumerate(checks)
    ]
    for thread in threads:
        thread.start()
    gate = next((index for index, check in enumerate(checks) if _gates_others(check)), None)
    with finished:
        while not (gate in done and done[gate][1]):  # the gateway unreachable: the others cannot get further
            now = time.monotonic()
            left = [deadline_of(check) - now for index, check in enumerate(checks) if index not in done]
            if not any(seconds > 0 for seconds in left):  # every check done, or past its deadline
                break
            finished.wait(min(seconds for seconds in left if seconds > 0))
        outcomes = dict(done)
    _close_when_done(client, threads)

    # When the gateway itself cannot be reached, say it once and mark the others as not checked.
    gateway_down = gate in outcomes and outcomes[gate][1]
    results: list[CheckResult] = []
    for index, check in enumerate(checks):
        rows, unreachable = outcomes.get(index) or ([_late(check, ctx)], True)
        if gateway_down and unreachable and not _gates_others(check):
            rows = [CheckResult(check.name, Level.SKIPPED, "not checked: the gateway cannot be reached")]
        results.extend(rows)
    return results


def _close_when_done(client: httpx.Client, threads: Sequence[threading.Thread]) -> None:
    """Close the client now if every check is done, else once the late ones end (in a thread)."""

    def close() -> None:
        for thread in threads:
            thread.join()
        client.close()

    if all(not thread.is_alive() for thread in threads):
        close()
    else:
        threading.Thread(target=close, name="cbcfg-close-checks", daemon=True).start()


def _signs_in_instead(check: NetworkCheck, ctx: NetworkContext) -> bool:
    """A check of the virtual key, when the settings make Claude Code sign in instead (no key given)."""
    return getattr(check, "uses_virtual_key", False) is True and ctx.login_method == "gateway" and not ctx.key


def _gates_others(check: NetworkCheck) -> bool:
    return getattr(check, "gates_others", False) is True


def _run_one(check: NetworkCheck, ctx: NetworkContext, client: httpx.Client) -> tuple[list[CheckResult], bool]:
    """The check's rows, and whether it could not reach the gateway at all."""
    import httpx

    if _signs_in_instead(check, ctx):
        message = "not checked: Claude Code signs in to the gateway (login mode) and sends its token, not a virtual key"
        return [CheckResult(check.name, Level.SKIPPED, message)], False

    try:
        return check.run(ctx, client), False
    except Unreachable as exc:
        return [CheckResult(check.name, Level.FAILED, exc.message, exc.fix)], True
    except httpx.TransportError as exc:
        reason = describe_transport_error(exc, ctx)
        return [CheckResult(check.name, Level.FAILED, reason.message, reason.fix)], True
    except Exception as exc:  # a bug in the check must not hide the other checks' results
        message = f"the check crashed: {type(exc).__name__}: {exc}"
        return [CheckResult(check.name, Level.ERROR, _one_line(message, ctx), "please report this to cbcfg")], False


def _late(check: NetworkCheck, ctx: NetworkContext) -> CheckResult:
    late_result = getattr(check, "late_result", None)
    if callable(late_result) and isinstance(row := late_result(ctx), CheckResult):
        return row
    return CheckResult(
        check.name,
        Level.FAILED,
        f"no complete answer from {ctx.address} within {ctx.timeout:g} s",
        "check that Bifrost runs there and nothing swallows the traffic; raise --timeout on slow links",
    )


def _one_line(text: str, ctx: NetworkContext) -> str:
    from claude_bifrost_cfg.secrets import redact

    line = " ".join(text.split())
    return redact(line, ctx.secrets)[:200]
