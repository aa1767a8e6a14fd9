"""``cbcfg rollback [SET_ID]``: undo one backup set's write (the newest apply not undone yet by
default: repeated rollbacks walk back through the history), keeping every edit made since."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import HomeOption, JsonOption, PlatformOption, ProjectOption, SystemRootOption, reports_errors


@reports_errors
def rollback(
    set_id: Annotated[str | None, typer.Argument(help="Backup set to restore [default: the newest].")] = None,
    list_sets: Annotated[bool, typer.Option("--list", help="List the backup sets; restore nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")] = False,
    home: HomeOption = None,
    project: ProjectOption = None,
    system_root: SystemRootOption = None,
    platform: PlatformOption = None,
    json_output: JsonOption = False,
) -> None:
    """Undo an apply: cbcfg's keys as they were before it; edits made since are kept."""
    from ..backups import find_backup_set, list_backup_sets
    from ..errors import RefusedError
    from ..layout import display_path
    from ..output import Printer, emit_json, notice, warning
    from ..restore import plan_restore, restore_backup_set
    from .common import build_layout

    layout = build_layout(home, project, system_root, platform)
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
    preview = plan_restore(layout, backup)
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
        if not typer.confirm(f"Restore backup set {backup.id}?", default=False, err=True):
            raise RefusedError("not confirmed; nothing was restored", "run again and answer y, or pass --yes")
    undo, results = restore_backup_set(layout, backup, on_wait=notice)
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
