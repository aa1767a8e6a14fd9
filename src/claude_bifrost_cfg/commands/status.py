"""``cbcfg status``: per target file, which profile cbcfg applied there and what drifted since."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..backups import list_backup_sets
from ..current import read_current
from ..errors import BadFileError
from ..layout import display_path
from ..output import Printer, emit_json
from ..plan import drift_against, top_level_keys
from ..targets import ALL
from ..transaction import load_records
from .common import RootOptions, root_options


@click.command()
@root_options
def status(roots: RootOptions) -> None:
    """Show each target file: present, which profile cbcfg applied, drift. Writes nothing."""
    layout = roots.layout()
    records = load_records(layout.state_dir)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    candidates = [(str(t.path(layout)), t) for t in ALL.values() if not t.by_name_only]
    candidates += [(path, ALL[r.target]) for path, r in records.items() if r.target in ALL]
    for path, target in candidates:
        if path in seen:
            continue
        seen.add(path)
        record = records.get(path)
        shown = display_path(Path(path), layout.home)
        row: dict[str, Any] = {
            "target": target.name,
            "path": shown,
            "exists": False,
            "profile": record.profile if record else None,
            "state": "absent",
            "drift": [],
            "error": None,
        }
        try:
            current = read_current(target, Path(path), layout.home, top_level_keys(record.owned) if record else {})
        except BadFileError as exc:
            row.update(exists=True, state="invalid", error=exc.message)
            rows.append(row)
            continue
        row["exists"] = current.snapshot.exists
        if record and current.document is not None:
            drift = drift_against(record, current.document.values)
            row["drift"] = [{"pointer": d.pointer, "reason": d.reason} for d in drift]
            row["state"] = "drift" if drift else "applied"
        elif record:
            row["state"] = "missing"
        elif current.snapshot.exists:
            row["state"] = "not managed"
        rows.append(row)
    sets = list_backup_sets(layout.state_dir)
    if roots.json_output:
        emit_json({"command": "status", "files": rows, "last_backup_set": sets[0].id if sets else None})
        return
    printer = Printer(sys.stdout)
    printer.table(
        ["TARGET", "FILE", "STATE", "PROFILE"],
        [
            [r["target"], r["path"], r["state"] + (f": {r['error']}" if r["error"] else ""), r["profile"] or "-"]
            for r in rows
        ],
    )
    for r in rows:
        for d in r["drift"]:
            printer.line(f"drift: {r['path']} {d['pointer']} {d['reason']}", "yellow")
    if sets:
        printer.line(f"Last backup set: {sets[0].id} ({sets[0].command}); undo with: cbcfg rollback")
