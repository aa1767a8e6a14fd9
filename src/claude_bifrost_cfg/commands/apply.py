"""``cbcfg apply PROFILE``: merge a profile into its target files, after showing the diff."""

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
def apply(
    profile: Annotated[str, typer.Argument(help="Profile name (see 'cbcfg profiles').")],
    target: TargetOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; write nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite keys changed by hand since cbcfg set them.")
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 0 if every file matches, 10 if changes are pending, 11 if only drift differs.",
        ),
    ] = False,
    gateway_url: GatewayOption = None,
    key_stdin: KeyStdinOption = False,
    remove_key: Annotated[
        bool, typer.Option("--remove-key", help="Remove the virtual key cbcfg wrote (else the key in place is kept).")
    ] = False,
    desktop_mcp: DesktopMcpOption = "url",
    allow_insecure: InsecureOption = False,
    home: HomeOption = None,
    project: ProjectOption = None,
    system_root: SystemRootOption = None,
    platform: PlatformOption = None,
    profiles_dir: ProfilesDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Apply a profile: merge it into the target files, keeping every key cbcfg does not own."""
    from ..engine import commit, files_match, summarize_changes
    from ..errors import ExitCode, RefusedError
    from ..output import Printer, emit_json, notice, warning
    from ..secrets import mask_key
    from .plan_report import plan_json, print_plan
    from .planning import build_request, keep_out_of_git_before_writing, plan_request

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
        remove_key=remove_key,
    )
    planned = plan_request(request, force)
    pending = any(item.plan.changed for item in planned)
    printer = Printer(sys.stderr if json_output else None)
    for message in request.inputs.warnings:
        warning(message)
    if request.inputs.key_in_place:
        notice(
            f"keeping the virtual key already in {request.inputs.key_in_place} "
            f"({mask_key(request.source.key or '')}); a new one in "
            "BIFROST_VIRTUAL_KEY or --key-stdin replaces it, --remove-key removes it"
        )
    if not json_output:
        print_plan(printer, planned)

    backup_id = None
    applied = pending and not (dry_run or check)
    if applied and not yes:
        if not sys.stdin.isatty():
            raise RefusedError("changes need confirmation and there is no terminal to ask on", "pass --yes")
        if not typer.confirm(f"Apply profile {profile!r} to these files?", default=False, err=True):
            raise RefusedError("not confirmed; nothing was written", "run again and answer y, or pass --yes")
    if not (dry_run or check) and planned:  # with nothing to change, this only brings the records up to date
        for message in keep_out_of_git_before_writing(request, planned):
            notice(message)
        committed = commit(request.layout, planned, f"apply {profile}", request.profile.name, force, on_wait=notice)
        planned = list(committed.planned)
        backup_id = committed.backup.id if committed.backup else None

    summary = summarize_changes(planned)
    matches = files_match(planned)
    if json_output:
        emit_json(
            {
                "command": "apply",
                "profile": request.profile.name,
                "gateway_url": request.inputs.gateway_url,
                "dry_run": dry_run or check,
                "applied": applied,
                "pending": pending and not applied,
                "backup_set": backup_id,
                "files": plan_json(planned),
                "warnings": list(request.inputs.warnings),
                "summary": summary,
            }
        )
    elif applied:
        printer.line(
            f"Applied profile {request.profile.name!r}: {summary['changed']} file(s) changed. "
            f"Backup set {backup_id} (undo: cbcfg rollback {backup_id}).",
            "green",
        )
        printer.line("Start a new Claude Code session (or a new Code tab session) for it to take effect.")
    elif matches:
        printer.line(f"Nothing to change: every file already matches profile {request.profile.name!r}.", "green")
    elif not pending:
        printer.line(f"Nothing applied: every difference from profile {request.profile.name!r} is drift.", "yellow")
    else:
        printer.line("Dry run: nothing was written." if dry_run else "Changes are pending (--check).")
    if summary["drift"] and not json_output:
        printer.line(
            f"Left alone: {summary['drift']} key(s) changed by hand since cbcfg set them (drift above); "
            f"to restore the profile's values: cbcfg apply {request.profile.name} --force",
            "yellow",
        )
    if check and pending:
        raise typer.Exit(int(ExitCode.PENDING))
    if check and not matches:
        raise typer.Exit(int(ExitCode.DRIFT))
