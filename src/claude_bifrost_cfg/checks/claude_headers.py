"""The headers Claude Code sends to ANTHROPIC_BASE_URL, so that doctor asks the gateway the same way."""

from __future__ import annotations

from claude_bifrost_cfg import __version__
from claude_bifrost_cfg.checks.base import NetworkContext

ANTHROPIC_VERSION = "2023-06-01"
# Claude Code sends several betas; a gateway that chokes on the header fails on any of them.
ANTHROPIC_BETA = "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14"

# What a browser-based Claude client asks a CORS preflight to allow (lower case, as browsers send them).
PREFLIGHT_HEADERS = (
    "anthropic-beta",
    "anthropic-dangerous-direct-browser-access",
    "anthropic-version",
    "authorization",
    "content-type",
    "x-api-key",
    "x-app",
    "x-stainless-arch",
    "x-stainless-lang",
    "x-stainless-os",
    "x-stainless-package-version",
    "x-stainless-retry-count",
    "x-stainless-runtime",
    "x-stainless-runtime-version",
    "x-stainless-timeout",
)


def key_headers(ctx: NetworkContext) -> dict[str, str]:
    """The credentials as Claude Code sends them: ANTHROPIC_API_KEY as x-api-key, ANTHROPIC_AUTH_TOKEN
    as Bearer (both when both are set), x-bf-vk from ANTHROPIC_CUSTOM_HEADERS."""
    if ctx.credential_headers is not None:
        return dict(ctx.credential_headers)
    if not ctx.key:
        return {}
    if ctx.key_header == "bearer":
        return {"authorization": f"Bearer {ctx.key}"}
    return {ctx.key_header: ctx.key}


def claude_headers(ctx: NetworkContext) -> dict[str, str]:
    return {
        "anthropic-version": ANTHROPIC_VERSION,
        "anthropic-beta": ANTHROPIC_BETA,
        "anthropic-dangerous-direct-browser-access": "true",
        "x-app": "cli",
        "user-agent": f"cbcfg/{__version__} (doctor)",
        **key_headers(ctx),
    }
