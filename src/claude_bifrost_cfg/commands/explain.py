"""``cbcfg explain [KEY]``: the value Claude Code will use for each setting, and which layer wins."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from .common import HomeOption, JsonOption, PlatformOption, ProjectOption, SystemRootOption, reports_errors


@reports_errors
def explain(
    key: Annotated[str | None, typer.Argument(help="One key, e.g. ANTHROPIC_BASE_URL or model [default: all].")] = None,
    home: HomeOption = None,
    project: ProjectOption = None,
    system_root: SystemRootOption = None,
    platform: PlatformOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show the winning value of each Bifrost-related setting and the layer it comes from."""
    import os

    from ..errors import UsageError
    from ..layers import SECRET_KEYS, all_keys, read_layers, resolve
    from ..output import Printer, emit_json
    from ..secrets import mask_key
    from ..transaction import load_records
    from .common import build_layout

    keys = all_keys()
    if key is not None and key not in keys:
        raise UsageError(f"cbcfg does not explain {key!r}", f"keys: {', '.join(keys)}")
    layout = build_layout(home, project, system_root, platform)
    layers = read_layers(layout, os.environ)
    results = resolve(layers, [key] if key else keys, load_records(layout.state_dir))

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
                    }
                    for s in item.shadowed
                ],
                "overrides_cbcfg": bool(item.overrides_cbcfg),
            }
        )
    problems = [{"layer": layer.name, "file": layer.shown, "error": layer.error} for layer in layers if layer.error]
    if json_output:
        emit_json({"command": "explain", "settings": rows, "problems": problems})
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
            printer.line(
                f"{r['key']}: {s['layer']} {s['file']} = {s['value']} is shadowed{flag}", "yellow" if flag else None
            )
    for p in problems:
        printer.line(f"cannot read the {p['layer']} layer: {p['error']}", "red")  # the error names the file
