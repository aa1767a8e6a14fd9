"""opus-pin: when model tiers are pinned, Opus is too (Claude Code's default model is Opus)."""

from __future__ import annotations

from collections.abc import Mapping

from ..layers import TIER_VARIABLES, resolve_model
from .base import CheckResult, Level
from .context import LocalContext

name = "opus-pin"
summary = "the model Claude Code sends by default (alias, setting, or its Opus default) is pinned"
network = False


def pinned_tiers(ctx: LocalContext) -> Mapping[str, object]:
    tiers = {tier: ctx.value(variable) for tier, variable in TIER_VARIABLES.items()}
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
    choice = resolve_model(ctx.effective)
    if not pinned:
        rows.append(
            CheckResult(name, Level.INFO, "no model tier is pinned: aliases go to Bifrost as Anthropic model names")
        )
    elif choice.unpinned and choice.source is None:
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                f"{', '.join(pinned)} pinned but not opus: Claude Code's default "
                "model is Opus, so default requests go out as unpinned claude-opus-…",
                "pin the Opus tier (ANTHROPIC_DEFAULT_OPUS_MODEL) in the profile",
            )
        )
    elif choice.unpinned:
        unpinned = choice.unpinned
        assert choice.source is not None
        variables = " and ".join(use.variable for use in unpinned)
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                f"{choice.chosen_by} picks the {'/'.join(use.tier for use in unpinned)} tier, which is not pinned: "
                f"the default model goes out unpinned as {', '.join(use.sent for use in unpinned)}",
                f"pin {variables} beside the other tiers, or set {choice.key} in {choice.source.shown} "
                "to a pinned model",
            )
        )
    else:
        sends = f"; the default model is {', '.join(choice.sends)}" if choice.source is not None else ""
        rows.append(
            CheckResult(
                name, Level.OK, f"model tiers pinned: {', '.join(f'{k}={v}' for k, v in pinned.items())}{sends}"
            )
        )
    return rows
