"""``cbcfg models [--profile P]``: the models the virtual key may use, from the gateway's
``/v1/models``, grouped by provider, with the ones the profile (or the settings in effect) pins."""

from __future__ import annotations

import os
import sys

import click

from ..completion import complete_profile_names
from .common import RootOptions, read_key, root_options, some_profile_options, sources


@click.command()
@click.option(
    "--profile",
    "-p",
    "profile_name",
    metavar="P",
    shell_complete=complete_profile_names,
    help="Mark P's pins and use its gateway [default: the settings in effect].",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=5.0,
    show_default=True,
    metavar="S",
    help="Seconds to wait for the gateway.",
)
@some_profile_options("gateway_url", "key_stdin")
@root_options
def models(
    roots: RootOptions, profile_name: str | None, timeout: float, gateway_url: str | None, key_stdin: bool
) -> None:
    """List the models the virtual key may use, by provider; mark the pinned ones.

    Exit 12 when the gateway cannot be reached, 5 when it refuses the key.
    """
    from ..errors import UsageError
    from ..layers import TIER_VARIABLES, read_layers, resolution_keys, resolve, resolve_credentials
    from ..model_list import by_provider, fetch_models
    from ..output import Printer, emit_json, warning
    from ..profiles import check_gateway_url, load_profile
    from ..transaction import load_records
    from ..vocabulary import BASE_URL_ENV, GATEWAY_URL_ENV

    layout = roots.layout()
    effective = {
        item.key: item
        for item in resolve(read_layers(layout, os.environ), resolution_keys(), load_records(layout.state_dir))
    }
    profile = load_profile(profile_name, sources(layout, roots.profiles_dir)) if profile_name else None

    raw_url = gateway_url or os.environ.get(GATEWAY_URL_ENV)
    if raw_url:
        try:
            url = check_gateway_url(raw_url)
        except ValueError as exc:
            raise UsageError(f"the gateway URL {exc}", "pass the gateway's root URL") from None
    elif profile is not None:
        url = profile.gateway_url
    else:
        base = effective[BASE_URL_ENV].winner
        value = str(base.value) if base is not None else ""
        url = value.rstrip("/").removesuffix("/anthropic") if value else "http://localhost:8080"

    key = read_key(key_stdin)
    if key is None:
        read = resolve_credentials(effective).read
        key = read.value if read is not None else None

    if profile is not None:
        pins = dict(profile.models)
        pins = {tier: model for tier, model in pins.items() if tier in TIER_VARIABLES}
    else:
        pins = {}
        for tier, variable in TIER_VARIABLES.items():
            winner = effective[variable].winner if variable in effective else None
            if winner is not None and isinstance(winner.value, str) and winner.value:
                pins[tier] = winner.value

    ids = fetch_models(url, key, timeout)
    groups = by_provider(ids)
    pinned_by: dict[str, list[str]] = {}
    for tier, model in pins.items():
        pinned_by.setdefault(model, []).append(tier)
    missing = sorted(tier for tier, model in pins.items() if model not in ids)

    if roots.json_output:
        emit_json(
            {
                "command": "models",
                "gateway_url": url,
                "profile": profile.name if profile else None,
                "providers": [
                    {"provider": provider, "models": [{"id": m, "pinned": pinned_by.get(m, [])} for m in models_]}
                    for provider, models_ in groups.items()
                ],
                "pins": pins,
                "missing_pins": missing,
            }
        )
        return
    printer = Printer(sys.stdout)
    printer.line(f"{len(ids)} model(s) at {url}/v1/models" + (f", pins of profile {profile.name!r}" if profile else ""))
    for provider, models_ in groups.items():
        printer.line(provider or "(no provider prefix)")
        for model in models_:
            tiers = pinned_by.get(model)
            printer.line(
                f"  {model}" + (f"   <- pinned: {', '.join(tiers)}" if tiers else ""), "green" if tiers else None
            )
    for tier in missing:
        warning(f"the {tier} pin {pins[tier]!r} is not among the models this key may use")
