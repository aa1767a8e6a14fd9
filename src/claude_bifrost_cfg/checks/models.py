"""models: every pinned model is one Bifrost offers to this virtual key (GET /v1/models)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from claude_bifrost_cfg.checks.base import CheckResult, Level, NetworkContext
from claude_bifrost_cfg.checks.bifrost_errors import explain_refusal, is_refusal, server_message
from claude_bifrost_cfg.checks.claude_headers import claude_headers

if TYPE_CHECKING:
    import httpx

name = "models"
summary = "each pinned model is offered to the virtual key"
network = True
uses_virtual_key = True  # skipped in login mode without a key: the client sends the gateway's token

_TIER_ORDER = ("opus", "sonnet", "haiku")
_SUGGESTIONS = 3


def run(ctx: NetworkContext, client: httpx.Client) -> list[CheckResult]:
    pins = [(tier, model) for tier, model in _in_tier_order(ctx.models) if model]
    if not pins:
        return [CheckResult(name, Level.SKIPPED, "no pinned models: Claude Code asks for its own claude-* names")]
    response = client.get(ctx.url("/v1/models"), headers=claude_headers(ctx))
    if is_refusal(response.status_code) or response.status_code >= 500:
        explained = explain_refusal(
            response.status_code,
            response.content,
            key=ctx.key,
            key_header=ctx.key_header,
            what="GET /v1/models",
        )
        return [CheckResult(name, explained.level, explained.message, explained.fix)]
    offered = _model_ids(response) if response.is_success else None
    if offered is None:
        return [
            CheckResult(
                name,
                Level.WARNING,
                f"cannot list the key's models: GET /v1/models answered HTTP {response.status_code}"
                + (f": {said}" if (said := server_message(response.content, ctx.key)) else ""),
                "check the models in Bifrost's dashboard; doctor --live tries one",
            )
        ]
    return [_verdict(tier, model, offered) for tier, model in pins]


def _verdict(tier: str, model: str, offered: set[str]) -> CheckResult:
    if model in offered or ("/" not in model and f"anthropic/{model}" in offered):
        return CheckResult(name, Level.OK, f"{tier}: {model} is offered to this key")
    provider = model.partition("/")[0] if "/" in model else "anthropic"
    alike = sorted(m for m in offered if m.startswith(f"{provider}/") and tier in m.lower())
    alike = alike or sorted(m for m in offered if tier in m.lower())
    hint = f"; it offers e.g. {', '.join(alike[:_SUGGESTIONS])}" if alike else ""
    return CheckResult(
        name,
        Level.FAILED,
        f"{tier}: {model} is not offered to this key",
        f"allow the model on the key in Bifrost, or pin one it offers{hint}",
    )


def _model_ids(response: httpx.Response) -> set[str] | None:
    try:
        document: Any = response.json()
    except ValueError:
        return None
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, list):
        return None
    return {str(item["id"]) for item in data if isinstance(item, dict) and "id" in item}


def _in_tier_order(models: Any) -> list[tuple[str, str]]:
    known = [(tier, models[tier]) for tier in _TIER_ORDER if tier in models]
    return known + sorted((tier, model) for tier, model in models.items() if tier not in _TIER_ORDER)
