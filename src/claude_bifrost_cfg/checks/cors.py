"""cors: a browser-style preflight shows whether Bifrost allows the headers Claude clients send.

Claude Code itself is not a browser; Claude Desktop and browser-based clients are, and fail when
the gateway's CORS allowed headers miss one of theirs (the seed guide's note on Allowed Headers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from claude_bifrost_cfg.checks.base import CheckResult, Level, NetworkContext
from claude_bifrost_cfg.checks.claude_headers import PREFLIGHT_HEADERS

if TYPE_CHECKING:
    import httpx

name = "cors"
summary = "the gateway's CORS preflight allows every header Claude clients send"
network = True

ORIGIN = "https://claude.ai"
_SETTING = "Bifrost's client.allowed_headers"


async def run(ctx: NetworkContext, client: httpx.AsyncClient) -> list[CheckResult]:
    response = await client.options(
        ctx.url("/anthropic/v1/messages"),
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": ",".join(PREFLIGHT_HEADERS),
        },
    )
    if response.status_code >= 400 or not response.headers.get("access-control-allow-origin"):
        return [
            CheckResult(
                name,
                Level.WARNING,
                f"the gateway refused a CORS preflight from {ORIGIN} (HTTP {response.status_code})",
                f"add {ORIGIN} to Bifrost's client.allowed_origins (browser-based Claude clients need it)",
            )
        ]
    allowed = {h.strip().lower() for h in response.headers.get("access-control-allow-headers", "").split(",")}
    missing = [h for h in PREFLIGHT_HEADERS if not _covers(allowed, h)]
    if not missing:
        return [CheckResult(name, Level.OK, f"CORS allows all {len(PREFLIGHT_HEADERS)} headers Claude clients send")]
    return [
        CheckResult(
            name,
            Level.WARNING,
            f"CORS does not allow {len(missing)} headers Claude clients send: {_compact(missing)}",
            f'set {_SETTING} to ["*"], or add to it: {", ".join(missing)}',
        )
    ]


def _covers(allowed: set[str], header: str) -> bool:
    # The Fetch standard never lets the "*" wildcard stand for Authorization.
    return header in allowed or ("*" in allowed and header != "authorization")


def _compact(headers: list[str]) -> str:
    """x-stainless-a, x-stainless-b, … shown as x-stainless-* (n)."""
    stainless = [h for h in headers if h.startswith("x-stainless-")]
    shown = [h for h in headers if not h.startswith("x-stainless-")]
    if len(stainless) > 1:
        shown.append(f"x-stainless-* ({len(stainless)})")
    else:
        shown += stainless
    return ", ".join(shown)
