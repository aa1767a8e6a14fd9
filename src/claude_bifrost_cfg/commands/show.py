"""``cbcfg show PROFILE``: the rendered desired state, per target. Reads no target file."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..layout import display_path
from ..output import Printer, emit_json, redact_value, warning
from .common import ProfileOptions, RootOptions, profile_options, root_options


@click.command()
@profile_options
@root_options
def show(chosen: ProfileOptions, roots: RootOptions) -> None:
    """Show what a profile would put in each file (keys masked). Writes nothing."""
    request = chosen.request(roots, need_key=False, allow_placeholder=True)
    files: list[dict[str, Any]] = []
    for item in request.targets:
        fragment = item.fragment(request.source)
        files.append(
            {
                "target": item.name,
                "path": display_path(item.path(request.layout), request.layout.home),
                "keys": {pointer: redact_value(pointer, value) for pointer, value in fragment.wanted.items()},
                "notes": list(fragment.notes),
            }
        )
    data = {
        "command": "show",
        "profile": request.profile.name,
        "description": request.profile.description,
        "source": request.profile.source,
        "extends": list(request.profile.chain[1:]),
        "gateway_url": request.inputs.gateway_url,
        "models": dict(request.profile.models),
        "files": files,
        "warnings": list(request.inputs.warnings),
    }
    for message in request.inputs.warnings:
        warning(message)
    if roots.json_output:
        emit_json(data)
        return
    printer = Printer(sys.stdout)
    chain = " -> ".join(request.profile.chain)
    printer.line(
        f"Profile {request.profile.name} ({request.profile.source}; {chain}): {request.profile.description}", "bold"
    )
    printer.line(f"Gateway: {request.inputs.gateway_url}")
    for entry in files:
        printer.line(f"{entry['path']} ({entry['target']})", "bold")
        for pointer, value in entry["keys"].items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            printer.line(f"  {pointer} = {shown}")
        for note in entry["notes"]:
            printer.line(f"  note: {note}", "dim")
