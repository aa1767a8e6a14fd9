"""gateway: Bifrost answers GET /health, over a TLS connection Claude Code would trust."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from claude_bifrost_cfg.checks.base import CheckResult, Level, NetworkContext
from claude_bifrost_cfg.checks.bifrost_errors import server_message
from claude_bifrost_cfg.profiles import is_loopback_url

if TYPE_CHECKING:
    import httpx

name = "gateway"
summary = "Bifrost answers GET /health (and its TLS certificate is trusted)"
network = True
gates_others = True  # when Bifrost cannot be reached, the other network checks cannot get further


def run(ctx: NetworkContext, client: httpx.Client) -> list[CheckResult]:
    response = client.get(ctx.url("/health"), headers={"accept": "application/json"})
    rows = [_health(ctx, response)]
    if (tls := _transport(ctx)) is not None:
        rows.append(tls)
    return rows


def _health(ctx: NetworkContext, response: httpx.Response) -> CheckResult:
    status = response.status_code
    if status == 200:
        try:
            healthy = response.json().get("status") == "ok"
        except (ValueError, AttributeError):
            healthy = False
        if healthy:
            return CheckResult(name, Level.OK, f"Bifrost at {ctx.address} is up (GET /health: ok)")
        return CheckResult(
            name,
            Level.WARNING,
            f"{ctx.address} answers GET /health, but not as Bifrost does",
            "check that the gateway URL is Bifrost's root (without /anthropic)",
        )
    if status == 503:
        reasons = server_message(response.content, ctx.key) or "no reason given"
        return CheckResult(
            name,
            Level.FAILED,
            f"Bifrost at {ctx.address} is unhealthy (HTTP 503): {reasons}",
            "see Bifrost's log: /health fails while its config or log store is unreachable",
        )
    if status == 404:
        return CheckResult(
            name,
            Level.FAILED,
            f"{ctx.address} has no /health: not Bifrost, or not its root URL",
            "set the gateway URL to Bifrost's root, e.g. http://localhost:8080 (without /anthropic)",
        )
    return CheckResult(
        name,
        Level.FAILED,
        f"GET /health at {ctx.address} answered HTTP {status}: {server_message(response.content, ctx.key)}",
        "see Bifrost's log for the cause",
    )


def _transport(ctx: NetworkContext) -> CheckResult | None:
    """A row about the connection itself: the certificate was verified, or the key travels in clear."""
    parts = urlsplit(ctx.gateway_url)
    if parts.scheme == "https":
        return CheckResult(name, Level.OK, f"TLS certificate of {ctx.address} is valid and trusted")
    if not is_loopback_url(ctx.gateway_url):
        return CheckResult(
            name,
            Level.WARNING,
            f"the virtual key travels unencrypted (http) to {ctx.address}",
            "serve Bifrost over https and use an https:// gateway URL",
        )
    return None
