"""Writing the plan: ``commit`` (the current state and its plan are in ``current``).

``commit`` takes the locks, re-reads every file (Claude may have rewritten
it since), re-plans on what is there now, backs everything up as one set, writes atomically and
saves the ownership records last. A crash at any step leaves each file old or new, never partial,
and the next run recovers by itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .current import PlannedFile, needed_members, plan_current, read_current
from .errors import RefusedError, UsageError, WriteFailedError
from .fsio import (
    OnWait,
    cbcfg_lock,
    check_writable,
    claude_lock,
    fault_point,
    read_snapshot,
    remove_stale_claude_lock,
    remove_stray_temps,
    write_atomically,
)
from .layout import Layout
from .plan import Change, Record, digest
from .state import RECORDS, BackupSet, load_records, remove_incomplete_sets, save_records, write_backup_set

LOCK_TIMEOUT = 30.0
LOCK_TIMEOUT_ENV = "CBCFG_LOCK_TIMEOUT"


def configured_lock_timeout() -> float:
    """Seconds to wait for another cbcfg or for Claude Code's lock; CBCFG_LOCK_TIMEOUT overrides it."""
    import os

    raw = os.environ.get(LOCK_TIMEOUT_ENV)
    if not raw:
        return LOCK_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise UsageError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds", "e.g. CBCFG_LOCK_TIMEOUT=30")
    return seconds


@contextlib.contextmanager
def _claude_locks(planned: Sequence[PlannedFile], timeout: float, on_wait: OnWait | None) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for item in planned:
            if item.current.target.claude_lock and item.plan.changed:
                stack.enter_context(claude_lock(item.current.path, timeout, item.current.shown, on_wait))
        yield


def _what_changes(changes: Sequence[Change]) -> set[tuple[str, str, str]]:
    return {(c.pointer, "remove" if c.action == "remove" else "set", digest(c.new)) for c in changes}


def _replan(item: PlannedFile, layout: Layout, previous: Record | None, profile: str, force: bool) -> PlannedFile:
    """Plan again on the file as it is now; Claude may have rewritten it since the plan was shown."""
    snapshot = read_snapshot(item.current.path, item.current.shown, known=item.current.snapshot.data)
    if snapshot.data is item.current.snapshot.data:  # the same bytes: the plan stands, no second parse
        return replace(item, current=replace(item.current, snapshot=snapshot))
    keep = needed_members(item.current.target, item.fragment, previous)
    current = read_current(item.current.target, item.current.path, layout.home, keep)
    fresh = plan_current(current, item.fragment, previous, profile, force)
    # Merged again on the new text; what was shown still holds if nothing new is to be changed
    # (another cbcfg may have done some of it already). Else the user must see the new plan.
    if not _what_changes(fresh.plan.changes) <= _what_changes(item.plan.changes):
        raise RefusedError(
            f"{item.current.shown}: changed while cbcfg was working; the keys it manages differ now",
            "run the command again to see the new plan",
        )
    return fresh


@dataclass(frozen=True)
class Committed:
    backup: BackupSet | None
    planned: tuple[PlannedFile, ...]


def commit(
    layout: Layout,
    planned: Sequence[PlannedFile],
    command: str,
    profile: str,
    force: bool,
    lock_timeout: float | None = None,
    on_wait: OnWait | None = None,
) -> Committed:
    timeout = configured_lock_timeout() if lock_timeout is None else lock_timeout
    with cbcfg_lock(layout.state_dir, timeout, on_wait):
        records = load_records(layout.state_dir)  # with those of a killed run's last set
        remove_incomplete_sets(layout.state_dir)
        for path in {layout.state_dir / RECORDS, *(item.current.path for item in planned), *map(Path, records)}:
            remove_stray_temps(path)  # left by a killed cbcfg
        for item in planned:
            if item.current.target.claude_lock:
                remove_stale_claude_lock(item.current.path)
        with _claude_locks(planned, timeout, on_wait):
            fresh = [_replan(item, layout, records.get(item.key), profile, force) for item in planned]
            changing = [item for item in fresh if item.plan.changed]
            for item in changing:
                check_writable(item.current.snapshot, item.current.shown)  # before anything is written
            backup = None
            if changing:
                backup = write_backup_set(
                    layout.state_dir,
                    command,
                    profile,
                    [(item.key, item.current.target.name, item.current.snapshot) for item in changing],
                    {item.key: records.get(item.key) for item in changing},
                    {item.key: (_merged_text(item), item.plan.record) for item in changing},
                )
                fault_point("backup-saved", layout.state_dir / RECORDS)
                _write_all(changing, backup)
        updated = dict(records)
        for item in fresh:
            updated[item.key] = item.plan.record
        if updated != records or backup is not None:
            fault_point("before-records", layout.state_dir / RECORDS)
            save_records(layout.state_dir, updated)
    return Committed(backup, tuple(fresh))


def _merged_text(item: PlannedFile) -> str:
    """The merged text; encoded piece by piece as it is hashed and written (a 50 MB ~/.claude.json
    is not held a third time, as bytes)."""
    assert item.plan.after is not None
    return item.plan.after


def _write_all(changing: Sequence[PlannedFile], backup: BackupSet) -> None:
    for done, item in enumerate(changing):
        try:
            write_atomically(item.current.snapshot, _merged_text(item), item.current.shown, secret=item.fragment.secret)
        except WriteFailedError as exc:
            if done:
                raise WriteFailedError(
                    f"{exc.message}; {done} other file(s) were already written",
                    f"{exc.fix}; undo those with 'cbcfg rollback {backup.id}'",
                ) from None
            raise


def summarize_changes(planned: Sequence[PlannedFile]) -> dict[str, Any]:
    return {
        "changed": sum(1 for item in planned if item.plan.changed),
        "unchanged": sum(1 for item in planned if not item.plan.changed),
        "drift": sum(len(item.plan.drift) for item in planned),
    }


def files_match(planned: Sequence[PlannedFile]) -> bool:
    """Every file is as the profile wants: no change pending and no drift left alone. The only time
    cbcfg may say "nothing to change" and ``apply --check`` exits 0."""
    return not any(item.plan.changed or item.plan.drift for item in planned)
