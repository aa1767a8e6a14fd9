"""key: the virtual key works on Bifrost's Anthropic route, sent exactly as Claude Code sends it.

Free requests first (GET /anthropic/v1/models, then count_tokens for a pinned model); a real
one-token POST /anthropic/v1/messages only when the context allows it (`doctor --live`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from claude_bifrost_cfg.checks.base import CheckResult, Level, NetworkContext
from claude_bifrost_cfg.checks.bifrost_errors import explain_refusal, is_refusal, server_message
from claude_bifrost_cfg.checks.claude_headers import claude_headers, key_headers
from claude_bifrost_cfg.secrets import mask_key

if TYPE_CHECKING:
    import httpx

name = "key"
summary = "the virtual key is accepted on /anthropic as Claude Code sends it"
network = True
uses_virtual_key = True  # skipped in login mode without a key: the client sends the gateway's token

# Unpinned, Claude Code asks for claude-* names, which Bifrost routes to Anthropic.
DEFAULT_PROBE_MODEL = "claude-haiku-4-5"
_TIER_ORDER = ("haiku", "sonnet", "opus")  # cheapest first: the live request pays for one token
_PROMPT = [{"role": "user", "content": "Reply with the word ok."}]


def probe_model(ctx: NetworkContext) -> str | None:
    """The pinned model to ask about: the cheapest tier first, then any other pin."""
    for tier in _TIER_ORDER:
        if ctx.models.get(tier):
            return ctx.models[tier]
    return next((model for model in ctx.models.values() if model), None)


def run(ctx: NetworkContext, client: httpx.Client) -> list[CheckResult]:
    headers = claude_headers(ctx)
    model = probe_model(ctx)
    sent_as = _sent_as(ctx)

    listing = client.get(ctx.url("/anthropic/v1/models"), headers=headers)
    if refused := _refused(ctx, listing, None, "GET /anthropic/v1/models", server_errors=True):
        return [refused]
    confirmed = listing.is_success

    if model is not None:
        counting = client.post(
            ctx.url("/anthropic/v1/messages/count_tokens"),
            headers=headers,
            json={"model": model, "messages": _PROMPT},
        )
        # Not every provider behind Bifrost counts tokens: only a refusal is a verdict here.
        if refused := _refused(ctx, counting, model, f"count_tokens for {model}", server_errors=False):
            return [refused]
        confirmed = confirmed or counting.is_success

    rows: list[CheckResult] = []
    if confirmed:
        who = f"virtual key {mask_key(ctx.key)}" if ctx.key else "a request without a key"
        rows.append(CheckResult(name, Level.OK, f"Bifrost accepts {who} on /anthropic (sent as {sent_as})"))
    elif not ctx.live:
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                f"could not confirm the key: GET /anthropic/v1/models answered HTTP {listing.status_code}",
                "run doctor --live to send a real one-token request",
            )
        )
    if ctx.live:
        rows.append(_live(ctx, client, headers, model or DEFAULT_PROBE_MODEL))
    return rows


def _sent_as(ctx: NetworkContext) -> str:
    """How the key travels: one header, or both with the one Bifrost reads named."""
    if not ctx.key:
        return "no key"
    sent = [_shown(header) for header in key_headers(ctx)]
    if len(sent) <= 1:
        return "Authorization: Bearer" if ctx.key_header == "bearer" else ctx.key_header
    return f"{' and '.join(sent)}; Bifrost reads the {_shown(ctx.key_header)} one"


def _shown(header: str) -> str:
    # Not "Bearer <word>": output redaction masks whatever follows "Bearer ".
    return "Authorization (Bearer)" if header in ("bearer", "authorization") else header


def _live(ctx: NetworkContext, client: httpx.Client, headers: dict[str, str], model: str) -> CheckResult:
    response = client.post(
        ctx.url("/anthropic/v1/messages?beta=true"),
        headers=headers,
        json={"model": model, "max_tokens": 1, "messages": _PROMPT},
    )
    if response.is_success:
        return CheckResult(name, Level.OK, f"live request: {model} answered a one-token request through Bifrost")
    explained = explain_refusal(
        response.status_code,
        response.content,
        key=ctx.key,
        key_header=ctx.key_header,
        model=model,
        what=f"a one-token request to {model}",
    )
    if response.status_code == 400:  # the provider behind Bifrost rejected the request itself
        return CheckResult(
            name,
            Level.FAILED,
            f"live request to {model} was rejected: {server_message(response.content, ctx.key)}",
            "check the model id and that its provider is configured in Bifrost",
        )
    return CheckResult(name, explained.level, f"live request: {explained.message}", explained.fix)


def _refused(
    ctx: NetworkContext, response: httpx.Response, model: str | None, what: str, *, server_errors: bool
) -> CheckResult | None:
    status = response.status_code
    if not (is_refusal(status) or (server_errors and status >= 500)):
        return None
    explained = explain_refusal(
        status, response.content, key=ctx.key, key_header=ctx.key_header, model=model, what=what
    )
    return CheckResult(name, explained.level, explained.message, explained.fix)
