"""``cbcfg apply PROFILE``: merge a profile into its target files, after showing the diff."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import ExitCode, RefusedError
from ..first_run import apply_notes
from ..output import Printer, emit_json, notice, warning
from ..secrets import mask_key
from ..targets import ALL
from ..workflow import CLAUDE_CODE, CLAUDE_DESKTOP, ApplyResult, apply_plan, is_pending, plan_request
from .common import ProfileOptions, RootOptions, confirm, profile_options, root_options
from .plan_report import plan_json, print_plan

NOT_APPLIED = "Not applied: nothing was written."


class ApplyCommand(click.Command):
    """apply's help names every target, from the targets registry."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Targets"):
            formatter.write_dl([(name, target.description) for name, target in ALL.items()])
        super().format_epilog(ctx, formatter)


@click.command(cls=ApplyCommand)
@profile_options
@click.option("--dry-run", is_flag=True, help="Show the plan; write nothing.")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 0 if every file matches, 10 if changes are pending, 11 if only drift differs.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (scripts).")
@click.option("--force", is_flag=True, help="Overwrite keys changed by hand since cbcfg set them.")
@click.option("--remove-key", is_flag=True, help="Remove the virtual key cbcfg wrote (else the key in place is kept).")
@click.option(
    "--homes-from",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Apply to every home listed in FILE (one path a line), in one process; one JSON report.",
)
@root_options
def apply(
    chosen: ProfileOptions,
    roots: RootOptions,
    dry_run: bool,
    check: bool,
    yes: bool,
    force: bool,
    remove_key: bool,
    homes_from: Path | None = None,
) -> None:
    """Apply a profile: merge it into the target files, keeping every key cbcfg does not own.

    PROFILE is a profile name (see 'cbcfg profiles').
    """
    if homes_from is not None:
        from .apply_homes import apply_homes

        return apply_homes(
            chosen, roots, homes_from, dry_run=dry_run, check=check, yes=yes, force=force, remove_key=remove_key
        )
    request = chosen.request(roots, remove_key=remove_key)
    planned = plan_request(request, force)
    printer = Printer(sys.stderr if roots.json_output else None)
    for message in request.inputs.warnings:
        warning(message)
    if request.inputs.key_in_place:
        notice(
            f"keeping the virtual key already in {request.inputs.key_in_place} "
            f"({mask_key(request.source.key or '')}); a new one in "
            "BIFROST_VIRTUAL_KEY or --key-stdin replaces it, --remove-key removes it"
        )
    if not roots.json_output:
        print_plan(printer, planned)

    write = not (dry_run or check)
    if write and is_pending(planned) and not yes:
        if not sys.stdin.isatty():
            raise RefusedError("changes need confirmation and there is no terminal to ask on", "pass --yes")
        if not confirm(f"Apply profile {chosen.profile!r} to these files?"):
            printer.line(NOT_APPLIED)  # the user's answer, not an error
            raise click.exceptions.Exit(int(ExitCode.REFUSED))
    result = apply_plan(request, planned, force, write=write, on_wait=notice)
    for message in result.git_ignored:
        notice(message)

    if roots.json_output:
        emit_json(apply_report(result, write))
    elif result.applied:
        for message in apply_notes(result):
            printer.line(message, "yellow")
        printer.line(
            f"Applied profile {request.profile.name!r}: {result.summary['changed']} file(s) changed. "
            f"Backup set {result.backup_set} (undo: cbcfg rollback {result.backup_set}).",
            "green",
        )
        printer.line(restart_advice(result))
    elif result.matches:
        printer.line(f"Nothing to change: every file already matches profile {request.profile.name!r}.", "green")
    elif not result.pending:
        printer.line(f"Nothing applied: every difference from profile {request.profile.name!r} is drift.", "yellow")
    else:
        printer.line("Dry run: nothing was written." if dry_run else "Changes are pending (--check).")
    drift = result.summary["drift"]
    if drift and not roots.json_output:
        printer.line(
            f"Left alone: {drift} key(s) changed by hand since cbcfg set them (drift above); "
            f"to restore the profile's values: cbcfg apply {request.profile.name} --force",
            "yellow",
        )
    if check and result.pending:
        raise click.exceptions.Exit(int(ExitCode.PENDING))
    if check and not result.matches:
        raise click.exceptions.Exit(int(ExitCode.DRIFT))


def apply_report(result: ApplyResult, write: bool) -> dict[str, Any]:
    """apply's ``--json`` document (README, JSON output)."""
    request = result.request
    return {
        "command": "apply",
        "profile": request.profile.name,
        "gateway_url": request.inputs.gateway_url,
        "dry_run": not write,
        "applied": result.applied,
        "pending": result.pending and not result.applied,
        "backup_set": result.backup_set,
        "files": plan_json(result.planned),
        "warnings": list(request.inputs.warnings),
        "summary": result.summary,
    }


def restart_advice(result: ApplyResult) -> str:
    """What the user does next, naming the clients whose files changed."""
    code, desktop = CLAUDE_CODE in result.clients, CLAUDE_DESKTOP in result.clients
    if code and desktop:
        return "Restart Claude Desktop and start a new Claude Code session for it to take effect."
    if desktop:
        return "Restart Claude Desktop (quit it fully, then open it) for it to take effect."
    return "Start a new Claude Code session (or a new Code tab session) for it to take effect."
