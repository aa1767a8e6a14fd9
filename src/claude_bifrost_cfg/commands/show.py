"""``cbcfg show PROFILE``: the rendered desired state, per target. Reads no target file."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from .common import (
    DesktopMcpOption,
    GatewayOption,
    HomeOption,
    InsecureOption,
    JsonOption,
    KeyStdinOption,
    PlatformOption,
    ProfilesDirOption,
    ProjectOption,
    SystemRootOption,
    TargetOption,
    reports_errors,
)


@reports_errors
def show(
    profile: Annotated[str, typer.Argument(help="Profile name.")],
    target: TargetOption = None,
    gateway_url: GatewayOption = None,
    key_stdin: KeyStdinOption = False,
    desktop_mcp: DesktopMcpOption = "url",
    allow_insecure: InsecureOption = False,
    home: HomeOption = None,
    project: ProjectOption = None,
    system_root: SystemRootOption = None,
    platform: PlatformOption = None,
    profiles_dir: ProfilesDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show what a profile would put in each file (keys masked). Writes nothing."""
    from ..layout import display_path
    from ..output import Printer, emit_json, redact_value, warning
    from .planning import build_request

    request = build_request(
        profile,
        home=home,
        project=project,
        system_root=system_root,
        platform=platform,
        profiles_dir=profiles_dir,
        targets=target,
        gateway_url=gateway_url,
        key_stdin=key_stdin,
        desktop_mcp=desktop_mcp,
        allow_insecure=allow_insecure,
        need_key=False,
        allow_placeholder=True,
    )
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
    if json_output:
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
