"""``cbcfg explain [KEY]``: the value Claude Code will use for each setting, and which layer wins."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import RootOptions, root_options

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ..layers import Credentials, Layer, ModelChoice
    from ..records import Record


@click.command()
@click.argument("key", metavar="[KEY]", required=False)
@click.option(
    "--policy-file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Also count this exported .reg (HKLM/HKCU policy) or plist as a managed source.",
)
@root_options
def explain(roots: RootOptions, key: str | None, policy_file: Path | None = None) -> None:
    """Show the winning value of each Bifrost-related setting and the layer it comes from.

    KEY is one setting, e.g. ANTHROPIC_BASE_URL or model [default: all].
    """
    import os

    from ..errors import UsageError
    from ..layers import (
        SECRET_KEYS,
        all_keys,
        read_layers,
        resolution_keys,
        resolve,
        resolve_credentials,
        resolve_model,
    )
    from ..output import Printer, emit_json
    from ..secrets import mask_key
    from ..transaction import load_records

    keys = all_keys()
    if key is not None and key not in keys:
        raise UsageError(f"cbcfg does not explain {key!r}", f"keys: {', '.join(keys)}")
    layout = roots.layout()
    if policy_file is not None:
        from ..layout import display_path
        from ..policy_sources import check_policy_file

        policy_file = policy_file.absolute()
        check_policy_file(policy_file, display_path(policy_file, layout.home))
    layers = read_layers(layout, os.environ, policy_file)
    records = load_records(layout.state_dir)
    results = resolve(layers, [key] if key else keys, records)
    everything = {item.key: item for item in resolve(layers, resolution_keys(), records)}
    model, credentials = resolve_model(everything), resolve_credentials(everything)

    def shown_value(name: str, value: Any) -> Any:
        return mask_key(value) if name in SECRET_KEYS and isinstance(value, str) else value

    rows: list[dict[str, Any]] = []
    for item in results:
        winner = item.winner
        rows.append(
            {
                "key": item.key,
                "value": shown_value(item.key, winner.value) if winner else None,
                "layer": winner.layer if winner else None,
                "file": winner.shown if winner else None,
                "set_by_cbcfg": winner.set_by_cbcfg if winner else None,
                "shadowed": [
                    {
                        "layer": s.layer,
                        "file": s.shown,
                        "value": shown_value(item.key, s.value),
                        "set_by_cbcfg": s.set_by_cbcfg,
                        **({"ignored": s.ignored} if s.ignored else {}),
                    }
                    for s in item.shadowed
                ],
                "overrides_cbcfg": bool(item.overrides_cbcfg),
            }
        )
    problems = [{"layer": layer.name, "file": layer.shown, "error": layer.error} for layer in layers if layer.error]
    managed = _managed_json(layers, records)
    if roots.json_output:
        emit_json(
            {
                "command": "explain",
                "settings": rows,
                "problems": problems,
                "model": model.as_json(),
                "credentials": credentials.as_json(),
                # Only where a source other than the managed files exists, or one is ignored: the layers
                # already show the files, and the document of such a machine keeps its shape.
                **({"managed": managed} if _beyond_files(managed) else {}),
            }
        )
        return
    printer = Printer(sys.stdout)
    printer.table(
        ["KEY", "VALUE", "LAYER", "FILE"],
        [[r["key"], "-" if r["value"] is None else str(r["value"]), r["layer"] or "-", r["file"] or "-"] for r in rows],
    )
    for item, r in zip(results, rows, strict=True):
        for setting, s in zip(item.shadowed, r["shadowed"], strict=True):
            # Compared unmasked: two keys may share the last 4 characters shown.
            flag = " (written by cbcfg, overridden)" if setting in item.overrides_cbcfg else ""
            verdict = f"is ignored: {setting.ignored}" if setting.ignored else "is shadowed"
            printer.line(
                f"{r['key']}: {s['layer']} {s['file']} = {s['value']} {verdict}{flag}", "yellow" if flag else None
            )
    if key is None:
        for line, style in _summary_lines(model, credentials):
            printer.line(line, style)
    for source in managed["sources"]:
        if source["ignored"]:
            mine = f" — cbcfg wrote it (profile {source['set_by_cbcfg']})" if source["set_by_cbcfg"] else ""
            printer.line(f"your {source['file']} is ignored: {source['ignored']}{mine}", "yellow")
    for p in problems:
        printer.line(f"cannot read the {p['layer']} layer: {p['error']}", "red")  # the error names the file


def _beyond_files(managed: Mapping[str, Any]) -> bool:
    return any(source["source"] != "file" or source["ignored"] for source in managed["sources"])


def _managed_json(layers: Sequence[Layer], records: Mapping[str, Record]) -> dict[str, Any]:
    """Every managed source found, in the client's order, and whether the client uses it."""
    from ..layers import is_present, source_behavior

    managed = [layer for layer in layers if layer.source is not None and layer.exists]
    sources = []
    for layer in managed:
        record = records.get(str(layer.path)) if layer.path is not None else None
        sources.append(
            {
                "source": layer.source,
                "file": layer.shown,
                "used": layer.ignored is None and is_present(layer),
                "ignored": layer.ignored,
                "set_by_cbcfg": record.profile if record is not None and record.owned else None,
                "error": layer.error,
            }
        )
    return {"behavior": source_behavior(managed), "sources": sources}


def _summary_lines(model: ModelChoice, credentials: Credentials) -> list[tuple[str, str | None]]:
    """What the settings add up to: the default model sent, and the credentials sent."""
    from ..secrets import mask_key

    unpinned = model.unpinned
    pins = ", ".join(f"{use.tier} tier {'not pinned' if use.pin is None else 'pinned'}" for use in model.tiers)
    lines: list[tuple[str, str | None]] = [
        (
            f"default model: {model.chosen_by} sends {', '.join(model.sends)}" + (f" ({pins})" if pins else ""),
            "yellow" if unpinned and any(use.pin for use in model.tiers) else None,
        )
    ]
    if credentials.conflict:
        both = " and ".join(c.where for c in credentials.conflict)
        read = credentials.read
        reads = (
            f"Bifrost reads {read.shown_header}"
            + (f" = {mask_key(read.value)}" if read.value else " (apiKeyHelper's output)")
            if read
            else "Bifrost reads neither (no sk-bf- value)"
        )
        lines.append((f"credentials: two are sent, {both}; {reads}", "yellow"))
    elif credentials.read is not None:
        read = credentials.read
        shown = mask_key(read.value) if read.value else "apiKeyHelper's output"
        lines.append((f"credentials: {read.shown_header} = {shown} from {read.where}", None))
    return lines
