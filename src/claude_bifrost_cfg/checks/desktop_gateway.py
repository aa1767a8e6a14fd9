"""desktop-gateway: Claude Desktop's gateway inference configuration is there, parses, is the one
applied, names the gateway doctor checks, and offers only models among the pins.

The network half ("offered to the key") is the ``models`` check: Desktop's ``inferenceModels`` must be
among the profile's (or the settings') pins, checked here, and ``models`` asks Bifrost for those pins.
"""

from __future__ import annotations

from typing import Any

from ..current import read_current
from ..desired import desktop_base_url, desktop_model_problem
from ..errors import CbcfgError
from ..layers import TIER_VARIABLES
from ..targets import ALL
from ..vocabulary import DESKTOP_CONFIG_ID
from .base import CheckResult, Level
from .context import LocalContext

name = "desktop-gateway"
summary = "Claude Desktop's Code/Cowork tabs use the gateway (its configuration library)"
network = False


def _apply(ctx: LocalContext) -> str:
    return f"cbcfg apply {ctx.profile.name if ctx.profile else '<profile>'} -t desktop-gateway"


def _read(ctx: LocalContext, target_name: str) -> tuple[str, dict[str, Any] | None]:
    target = ALL[target_name]
    current = read_current(target, target.path(ctx.layout), ctx.layout.home, None)
    return current.shown, current.document.values if current.document else None


def _expected_base(ctx: LocalContext) -> str | None:
    if ctx.source is not None:
        return ctx.source.base_url
    base = ctx.value("ANTHROPIC_BASE_URL")
    return base.rstrip("/") if isinstance(base, str) and base else None


def _pins(ctx: LocalContext) -> set[str] | None:
    if ctx.profile is not None:
        return set(ctx.profile.models.values())
    names = [*TIER_VARIABLES.values(), "ANTHROPIC_MODEL"]
    pinned = {value for n in names if isinstance(value := ctx.value(n), str) and value}
    return pinned or None


def run(ctx: LocalContext) -> list[CheckResult]:
    try:
        shown, config = _read(ctx, "desktop-gateway")
    except CbcfgError as exc:
        return [CheckResult(name, Level.FAILED, f"{exc.message}: Desktop starts without it", exc.fix)]
    if config is None:
        return [
            CheckResult(
                name,
                Level.INFO,
                f"no Desktop gateway configuration at {shown}",
                f"{_apply(ctx)}, if you use Claude Desktop's Code/Cowork tabs",
            )
        ]
    rows = [_applied(ctx)]
    if config.get("inferenceProvider") != "gateway":
        rows.append(
            CheckResult(
                name, Level.WARNING, f"{shown}: inferenceProvider is {config.get('inferenceProvider')!r}", _apply(ctx)
            )
        )
    rows += _gateway(ctx, shown, config)
    rows += _models(ctx, shown, config)
    if all(row.level is Level.OK for row in rows):
        return [CheckResult(name, Level.OK, f"{shown}: applied, gateway {config['inferenceGatewayBaseUrl']}")]
    return [row for row in rows if row.level is not Level.OK]


def _applied(ctx: LocalContext) -> CheckResult:
    try:
        shown, meta = _read(ctx, "desktop-library")
    except CbcfgError as exc:
        return CheckResult(name, Level.FAILED, exc.message, exc.fix)
    applied = meta.get("appliedId") if meta else None
    if applied != DESKTOP_CONFIG_ID:
        said = "no _meta.json" if meta is None else f"appliedId is {applied!r}"
        return CheckResult(
            name, Level.WARNING, f"{shown}: cbcfg's configuration is not the applied one ({said})", _apply(ctx)
        )
    return CheckResult(name, Level.OK, "applied")


def _gateway(ctx: LocalContext, shown: str, config: dict[str, Any]) -> list[CheckResult]:
    base = config.get("inferenceGatewayBaseUrl")
    expected = _expected_base(ctx)
    if not isinstance(base, str) or not base:
        return [CheckResult(name, Level.FAILED, f"{shown}: no inferenceGatewayBaseUrl", _apply(ctx))]
    if expected is None:
        return []
    try:
        wanted = desktop_base_url(expected)
    except CbcfgError:
        wanted = expected
    if base.rstrip("/") not in (expected, wanted):
        return [
            CheckResult(
                name,
                Level.WARNING,
                f"{shown}: Desktop goes to {base}, not the gateway doctor checks ({wanted})",
                _apply(ctx),
            )
        ]
    return []


def _models(ctx: LocalContext, shown: str, config: dict[str, Any]) -> list[CheckResult]:
    models = config.get("inferenceModels")
    if models is None:
        return [CheckResult(name, Level.OK, "discovery")]
    if not isinstance(models, list):
        return [CheckResult(name, Level.FAILED, f"{shown}: inferenceModels is not a list", _apply(ctx))]
    names = [m if isinstance(m, str) else m.get("name") if isinstance(m, dict) else None for m in models]
    rows = []
    for model in names:
        problem = desktop_model_problem(model) if isinstance(model, str) else "no name"
        if problem:
            rows.append(
                CheckResult(
                    name,
                    Level.FAILED,
                    f"{shown}: inferenceModels {model!r}: {problem}",
                    f"remove it from inferenceModels, or {_apply(ctx)}",
                )
            )
    pins = _pins(ctx)
    strays = [m for m in names if isinstance(m, str) and pins is not None and m not in pins]
    if strays:
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                f"{shown}: Desktop offers {', '.join(strays)}, not among the pins doctor checks against the key",
                _apply(ctx),
            )
        )
    return rows
