"""``cbcfg diff PROFILE``: the plan apply would carry out, as diffs; writes nothing."""

from __future__ import annotations

import sys

import click

from ..engine import summarize_changes
from ..output import Printer, emit_json, warning
from ..workflow import is_pending, plan_request
from .common import ProfileOptions, RootOptions, profile_options, root_options
from .plan_report import plan_json, print_plan


@click.command()
@profile_options
@click.option("--force", is_flag=True, help="Plan as apply --force would.")
@root_options
def diff(chosen: ProfileOptions, roots: RootOptions, force: bool) -> None:
    """Show what 'apply' would change, file by file. Writes nothing."""
    request = chosen.request(roots)
    planned = plan_request(request, force)
    for message in request.inputs.warnings:
        warning(message)
    if roots.json_output:
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
    if not is_pending(planned):
        printer.line(f"Nothing to change: every file already matches profile {request.profile.name!r}.")
