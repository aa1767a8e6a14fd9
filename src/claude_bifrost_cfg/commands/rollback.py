"""``cbcfg rollback [SET]``: undo an apply — cbcfg's keys as they were before it; edits made since are kept."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..backups import find_backup_set, list_backup_sets
from ..completion import complete_backup_sets
from ..errors import ExitCode, RefusedError
from ..layout import display_path
from ..output import Printer, emit_json, notice, warning
from ..restore import plan_restore, restore_backup_set
from .common import RootOptions, confirm, root_options

NOT_RESTORED = "Not restored: nothing was written."


@click.command()
@click.argument("set_id", metavar="[SET]", required=False, shell_complete=complete_backup_sets)
@click.option("--list", "list_sets", is_flag=True, help="List the backup sets; restore nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (scripts).")
@click.option("--force", is_flag=True, help="Also put back keys changed by hand since cbcfg set them.")
@root_options
def rollback(roots: RootOptions, set_id: str | None, list_sets: bool, yes: bool, force: bool) -> None:
    """Undo an apply: cbcfg's keys as they were before it; edits made since are kept.

    SET is a backup set's id (see 'cbcfg rollback --list') [default: the newest apply not yet undone].
    """
    layout = roots.layout()
    json_output = roots.json_output
    printer = Printer(sys.stderr if json_output else sys.stdout)
    if list_sets:
        sets = list_backup_sets(layout.state_dir)
        if json_output:
            emit_json(
                {
                    "command": "rollback",
                    "sets": [
                        {
                            "id": s.id,
                            "created": s.created,
                            "command": s.command,
                            "profile": s.profile,
                            "files": [
                                {
                                    "path": display_path(Path(f.path), layout.home),
                                    "target": f.target,
                                    "existed": f.existed,
                                }
                                for f in s.files
                            ],
                        }
                        for s in sets
                    ],
                }
            )
            return
        printer.table(
            ["SET", "CREATED", "COMMAND", "FILES"], [[s.id, s.created, s.command, str(len(s.files))] for s in sets]
        )
        return

    backup = find_backup_set(layout.state_dir, set_id)
    preview = plan_restore(layout, backup, force=force)
    if not json_output:
        printer.line(f"Backup set {backup.id} ({backup.command}, {backup.created}):", "bold")
        for item in preview:
            printer.line(
                f"{item.shown} ({item.target}): {item.outcome if item.outcome != 'restored' else 'restore'}", "bold"
            )
            for drift in item.drift:
                printer.line(f"  drift {drift.pointer}: {drift.reason}")
            if item.outcome != "unchanged":
                printer.diff(item.before, item.after, item.shown)
    if not yes:
        if not sys.stdin.isatty():
            raise RefusedError("rollback needs confirmation and there is no terminal to ask on", "pass --yes")
        if not confirm(f"Restore backup set {backup.id}?"):
            printer.line(NOT_RESTORED)  # the user's answer, not an error
            raise click.exceptions.Exit(int(ExitCode.REFUSED))
    undo, results = restore_backup_set(layout, backup, on_wait=notice, force=force)
    for result in results:
        for drift in result.drift:
            warning(f"{result.shown}: {drift.pointer or 'the file'}: {drift.reason}")
    if json_output:
        emit_json(
            {
                "command": "rollback",
                "set": backup.id,
                "backup_set": undo.id,
                "files": [
                    {
                        "path": r.shown,
                        "target": r.target,
                        "outcome": r.outcome,
                        "drift": [{"pointer": d.pointer, "reason": d.reason} for d in r.drift],
                    }
                    for r in results
                ],
            }
        )
        return
    printer.line(f"Restored backup set {backup.id}. The files as they were just now are in set {undo.id}.", "green")
