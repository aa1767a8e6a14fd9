"""``cbcfg diff PROFILE``: the plan apply would carry out, as diffs; writes nothing."""

from __future__ import annotations

import sys
from typing import Annotated

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
def diff(
    profile: Annotated[str, typer.Argument(help="Profile name.")],
    target: TargetOption = None,
    force: Annotated[bool, typer.Option("--force", help="Plan as apply --force would.")] = False,
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
    """Show what 'apply' would change, file by file. Writes nothing."""
    from ..engine import summarize_changes
    from ..output import Printer, emit_json, warning
    from .plan_report import plan_json, print_plan
    from .planning import build_request, plan_request

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
    )
    planned = plan_request(request, force)
    for message in request.inputs.warnings:
        warning(message)
    if json_output:
        emit_json(
            {
                "command": "diff",
                "profile": request.profile.name,
                "gateway_url": request.inputs.gateway_url,
                "files": plan_json(planned),
                "warnings": list(request.inputs.warnings),
                "summary": summarize_changes(planned),
            }
        )
        return
    printer = Printer(sys.stdout)
    print_plan(printer, planned)
    if not any(item.plan.changed for item in planned):
        printer.line(f"Nothing to change: every file already matches profile {request.profile.name!r}.")
