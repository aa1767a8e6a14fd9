"""opus-pin: when model tiers are pinned, Opus is too (Claude Code's default model is Opus)."""

from __future__ import annotations

from collections.abc import Mapping

from .base import CheckResult, Level
from .context import LocalContext

name = "opus-pin"
summary = "the Opus tier is pinned whenever the other tiers are"
network = False


def pinned_tiers(ctx: LocalContext) -> Mapping[str, object]:
    tiers = {
        "sonnet": ctx.value("ANTHROPIC_DEFAULT_SONNET_MODEL"),
        "opus": ctx.value("ANTHROPIC_DEFAULT_OPUS_MODEL"),
        "haiku": ctx.value("ANTHROPIC_DEFAULT_HAIKU_MODEL"),
    }
    return {tier: value for tier, value in tiers.items() if value}


def run(ctx: LocalContext) -> list[CheckResult]:
    rows = []
    if ctx.profile is not None:
        models = ctx.profile.models
        if ({"sonnet", "haiku"} & models.keys()) and "opus" not in models and "default" not in models:
            rows.append(
                CheckResult(
                    name,
                    Level.WARNING,
                    f"profile {ctx.profile.name} pins sonnet/haiku but not opus: "
                    "Claude Code's default model is Opus, so default requests go out unpinned",
                    'add opus = "<provider>/…" under [models] in the profile',
                )
            )
    pinned = pinned_tiers(ctx)
    default_model = ctx.value("ANTHROPIC_MODEL") or ctx.value("model")
    if not pinned:
        rows.append(
            CheckResult(name, Level.INFO, "no model tier is pinned: aliases go to Bifrost as Anthropic model names")
        )
    elif "opus" not in pinned and not default_model:
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                f"{', '.join(pinned)} pinned but not opus: Claude Code's default "
                "model is Opus, so default requests go out as unpinned claude-opus-…",
                "pin the Opus tier (ANTHROPIC_DEFAULT_OPUS_MODEL) in the profile",
            )
        )
    else:
        rows.append(
            CheckResult(name, Level.OK, f"model tiers pinned: {', '.join(f'{k}={v}' for k, v in pinned.items())}")
        )
    return rows
