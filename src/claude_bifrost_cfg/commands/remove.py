"""``cbcfg remove``: take out every key cbcfg owns, after showing the diff; every other byte stays."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from ..completion import complete_target_names
from ..errors import ExitCode, RefusedError
from ..output import Printer, emit_json, notice, redact_value, warning
from ..removal import Removal, chosen_records, forget_key, plan_removals, remove_owned
from .common import RootOptions, confirm, root_options

NOT_REMOVED = "Not removed: nothing was written."


def file_action(removal: Removal) -> str:
    if not removal.changed:
        return "unchanged"
    return "delete" if removal.deletes else "update"


def removals_json(removals: Sequence[Removal]) -> list[dict[str, Any]]:
    return [
        {
            "target": r.planned.current.target.name,
            "path": r.shown,
            "action": file_action(r),
            "changes": [
                {
                    "pointer": change.pointer,
                    "action": change.action,
                    "old": redact_value(change.pointer, change.old),
                    "new": None,
                }
                for change in r.planned.plan.changes
            ],
            "drift": [{"pointer": d.pointer, "reason": d.reason} for d in r.planned.plan.drift],
            "forgotten": r.record is None,
        }
        for r in removals
    ]


def print_removals(printer: Printer, removals: Sequence[Removal]) -> None:
    for r in removals:
        count = len(r.planned.plan.changes)
        action = file_action(r)
        detail = f"{action}, {count} key{'s' if count != 1 else ''} out" if r.changed else action
        printer.line(f"{r.shown} ({r.planned.current.target.name}): {detail}", "bold")
        if r.changed:
            printer.diff(r.planned.plan.before, r.planned.plan.after, r.shown)
        for drift in r.planned.plan.drift:
            printer.line(f"  drift: {drift.pointer} {drift.reason}", "yellow")


@click.command()
@click.option(
    "--target",
    "-t",
    "targets",
    multiple=True,
    metavar="NAME",
    shell_complete=complete_target_names,
    help="Only this target (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be removed; write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 0 if there is nothing to remove, 10 if there is.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (scripts).")
@click.option("--force", is_flag=True, help="Also remove keys changed by hand since cbcfg set them.")
@root_options
def remove(roots: RootOptions, targets: tuple[str, ...], dry_run: bool, check: bool, yes: bool, force: bool) -> None:
    """Take out every key cbcfg set, in every file it has records for (or --target's).

    Every other byte stays; a file cbcfg created that holds nothing else goes; the key goes with
    it; the records are forgotten. Undo with 'cbcfg rollback'.
    """
    layout = roots.layout()
    removals = plan_removals(layout, chosen_records(layout, targets), force)
    printer = Printer(sys.stderr if roots.json_output else None)
    if not roots.json_output:
        print_removals(printer, removals)
    pending = any(r.changed for r in removals)
    write = not (dry_run or check)
    if write and pending and not yes:
        if not sys.stdin.isatty():
            raise RefusedError("removing needs confirmation and there is no terminal to ask on", "pass --yes")
        if not confirm("Remove cbcfg's keys from these files?"):
            printer.line(NOT_REMOVED)  # the user's answer, not an error
            raise click.exceptions.Exit(int(ExitCode.REFUSED))
    backup_set = None
    if write and removals:
        done = remove_owned(layout, removals, force, on_wait=notice)
        removals, said, backup_set = list(done.removals), done.key_forgotten, done.backup
    else:
        said = forget_key(layout, [r.previous for r in removals if r.record is None], write=False)
    for line in said:
        notice(line)
    drift = sum(len(r.planned.plan.drift) for r in removals)
    changed = sum(1 for r in removals if r.changed)
    if roots.json_output:
        for r in removals:  # on stderr too: what runs cbcfg (Ansible) passes warnings on
            for item in r.planned.plan.drift:
                warning(f"{r.shown}: {item.pointer} {item.reason}")
        emit_json(
            {
                "command": "remove",
                "dry_run": not write,
                "removed": write and pending,
                "pending": pending and not write,
                "backup_set": backup_set.id if backup_set else None,
                "files": removals_json(removals),
                "key": list(said),
                "summary": {"changed": changed, "unchanged": len(removals) - changed, "drift": drift},
            }
        )
    elif not removals:
        printer.line("Nothing to remove: cbcfg has no records for " + ("those targets." if targets else "any file."))
    elif write and pending:
        assert backup_set is not None
        printer.line(
            f"Removed cbcfg's keys: {changed} file(s) changed. "
            f"Backup set {backup_set.id} (undo: cbcfg rollback {backup_set.id}).",
            "green",
        )
    elif not pending:
        printer.line("Nothing to remove: none of cbcfg's keys are left in those files.", "green")
    else:
        printer.line("Dry run: nothing was written." if dry_run else "Removals are pending (--check).")
    if drift and not roots.json_output:
        printer.line(
            f"Left alone: {drift} key(s) changed by hand since cbcfg set them (drift above); "
            "to remove them too: cbcfg remove --force",
            "yellow",
        )
    if check and pending:
        raise click.exceptions.Exit(int(ExitCode.PENDING))
