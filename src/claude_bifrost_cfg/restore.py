"""Rollback: put every file of one backup set back as it was, as one operation.

The current files are backed up first, so a rollback can itself be rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .fsio import OnWait, cbcfg_lock, read_snapshot, remove_file, remove_stray_temps, write_atomically
from .layout import Layout, display_path
from .state import (
    RECORDS,
    BackupSet,
    backup_copy,
    load_records,
    remove_incomplete_sets,
    save_records,
    write_backup_set,
)

Outcome = Literal["restored", "removed", "unchanged"]


@dataclass(frozen=True)
class Restored:
    path: str
    shown: str
    target: str
    outcome: Outcome
    before: str | None
    after: str | None


def plan_restore(layout: Layout, backup: BackupSet) -> list[Restored]:
    """What restoring would do to each file (reads only)."""
    results = []
    for entry in backup.files:
        shown = display_path(Path(entry.path), layout.home)
        now = read_snapshot(Path(entry.path), shown).data
        then = backup_copy(layout.state_dir, backup, entry) if entry.existed else None
        outcome: Outcome = "unchanged" if now == then else ("restored" if entry.existed else "removed")
        results.append(Restored(entry.path, shown, entry.target, outcome, _text(now), _text(then)))
    return results


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="replace")


def restore_backup_set(
    layout: Layout, backup: BackupSet, lock_timeout: float, on_wait: OnWait | None = None
) -> tuple[BackupSet, list[Restored]]:
    with cbcfg_lock(layout.state_dir, lock_timeout, on_wait):
        remove_incomplete_sets(layout.state_dir)
        remove_stray_temps(layout.state_dir / RECORDS)
        for entry in backup.files:
            remove_stray_temps(Path(entry.path))
        records = load_records(layout.state_dir)
        snapshots = [(entry.path, entry.target, read_snapshot(Path(entry.path), entry.path)) for entry in backup.files]
        restored = {
            entry.path: (backup_copy(layout.state_dir, backup, entry) if entry.existed else None)
            for entry in backup.files
        }
        undo = write_backup_set(
            layout.state_dir,
            f"rollback {backup.id}",
            backup.profile,
            snapshots,
            {entry.path: records.get(entry.path) for entry in backup.files},
            {path: (data, backup.records_before.get(path)) for path, data in restored.items()},
        )
        results = []
        for entry, (_, _, snapshot) in zip(backup.files, snapshots, strict=True):
            shown = display_path(Path(entry.path), layout.home)
            then = restored[entry.path]
            if snapshot.data == then:
                outcome: Outcome = "unchanged"
            elif then is None:
                remove_file(Path(entry.path), shown)
                outcome = "removed"
            else:
                write_atomically(snapshot, then, shown, secret=False, mode=entry.mode)
                outcome = "restored"
            results.append(Restored(entry.path, shown, entry.target, outcome, None, None))
        for path, record in backup.records_before.items():
            if record is None:
                records.pop(path, None)
            else:
                records[path] = record
        save_records(layout.state_dir, records)
    return undo, results
