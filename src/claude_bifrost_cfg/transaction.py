"""The one crash-safe way cbcfg changes files: apply, rollback, and every writer to come.

``run_transaction`` takes cbcfg's lock (and Claude Code's lock on the files that need it), clears
what a killed run left (stray temp files, backup sets without a manifest, a stale Claude lock),
loads the records, plans every file again on what is on disk now, backs up every file about to
change as one set, writes each atomically, and saves the records last. Killed at any step, each
file is old or new, never partial, and the next run (or a plain read) recovers by itself: a set
newer than the records says what its files hold once written and the records that go with them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .backups import (
    BackedUp,
    BackupSet,
    backup_set_ids,
    configured_keep_backups,
    content_digest,
    list_backup_sets,
    prune_backup_sets,
    remove_incomplete_sets,
    write_backup_set,
)
from .errors import UsageError, WriteFailedError
from .fsio import (
    OnWait,
    Snapshot,
    cbcfg_lock,
    check_writable,
    claude_lock,
    fault_point,
    read_snapshot,
    remove_file,
    remove_stale_claude_lock,
    remove_stray_temps,
    write_atomically,
)
from .records import RECORDS, Record, read_saved_records, save_records

LOCK_TIMEOUT = 30.0
LOCK_TIMEOUT_ENV = "CBCFG_LOCK_TIMEOUT"


def configured_lock_timeout() -> float:
    """Seconds to wait for another cbcfg or for Claude Code's lock; CBCFG_LOCK_TIMEOUT overrides it."""
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


def load_records(state_dir: Path) -> dict[str, Record]:
    """The ownership records as the last run left them, with those of a run killed before saving
    them: for every file that holds what that run's set says it wrote."""
    saved = read_saved_records(state_dir)
    records = dict(saved.files)
    for backup in reversed(list_backup_sets(state_dir, newer_than=saved.covers)):
        for path, digest_after in backup.digests_after.items():
            if path in backup.records_after and content_digest(read_snapshot(Path(path), path).data) == digest_after:
                record = backup.records_after[path]
                if record is None:
                    records.pop(path, None)
                else:
                    records[path] = record
    return records


@dataclass(frozen=True)
class Guarded:
    """A file a transaction may write, known before the locks are taken."""

    path: Path
    shown: str
    claude_lock: bool = False  # Claude Code rewrites it itself: its stale lock is cleared, its lock taken
    expected_to_change: bool = True  # else Claude's lock is not taken (a plan that changes nothing there)


@dataclass(frozen=True)
class FileWrite:
    """One file as planned under the locks, on what is on disk now."""

    path: Path
    shown: str
    target: str
    snapshot: Snapshot
    changed: bool
    after: bytes | str | None  # None: remove the file
    record: Record | None  # the file's record once written (None: no record)
    secret: bool = False  # holds the key: 0600 unless readable_by_all
    readable_by_all: bool = False  # every local account must read it (managed settings)
    mode: int | None = None  # a forced mode (a rollback puts back the one the file had)
    wrote: Mapping[str, str] = field(default_factory=dict)  # pointer -> digest of what is written

    @property
    def key(self) -> str:
        return str(self.path)


# Called under the locks with the records: plans every file on what is there now.
Planner = Callable[[Mapping[str, Record]], Sequence[FileWrite]]


@dataclass(frozen=True)
class Transaction:
    backup: BackupSet | None
    writes: tuple[FileWrite, ...]
    pruned: tuple[str, ...] = ()


@contextlib.contextmanager
def _claude_locks(files: Sequence[Guarded], timeout: float, on_wait: OnWait | None) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for item in files:
            if item.claude_lock and item.expected_to_change:
                stack.enter_context(claude_lock(item.path, timeout, item.shown, on_wait))
        yield


def run_transaction(
    state_dir: Path,
    files: Sequence[Guarded],
    plan: Planner,
    command: str,
    profile: str,
    undoes: str | None = None,
    lock_timeout: float | None = None,
    on_wait: OnWait | None = None,
) -> Transaction:
    """Plan (``plan``) and write ``files`` as one crash-safe step. ``undoes``: a rollback's set names
    the set it undoes. Old backup sets beyond CBCFG_KEEP_BACKUPS go once the records are saved."""
    timeout = configured_lock_timeout() if lock_timeout is None else lock_timeout
    keep = configured_keep_backups()  # a bad value fails before anything is written
    with cbcfg_lock(state_dir, timeout, on_wait):
        saved = read_saved_records(state_dir)
        records = load_records(state_dir)  # with those of a killed run's last set
        killed = {backup.id for backup in list_backup_sets(state_dir, newer_than=saved.covers)}
        remove_incomplete_sets(state_dir)
        for path in {state_dir / RECORDS, *(guarded.path for guarded in files), *map(Path, records)}:
            remove_stray_temps(path)  # left by a killed cbcfg
        for guarded in files:
            if guarded.claude_lock:
                remove_stale_claude_lock(guarded.path)
        with _claude_locks(files, timeout, on_wait):
            writes = tuple(plan(records))
            changing = [item for item in writes if item.changed]
            for item in changing:
                check_writable(item.snapshot, item.shown)  # before anything is written
            backup = None
            if changing or undoes is not None:  # a rollback records its set even if nothing changed
                backup = write_backup_set(
                    state_dir,
                    command,
                    profile,
                    [
                        BackedUp(
                            item.key,
                            item.target,
                            item.snapshot,
                            records.get(item.key),
                            item.after,
                            item.record,
                            item.wrote,
                        )
                        for item in changing
                    ],
                    undoes,
                )
                fault_point("backup-saved", state_dir / RECORDS)
                _write_all(changing, backup)
        updated = dict(records)
        for item in writes:
            if item.record is None:
                updated.pop(item.key, None)
            else:
                updated[item.key] = item.record
        pruned: list[str] = []
        if updated != records or backup is not None or killed:
            fault_point("before-records", state_dir / RECORDS)
            newest = list_backup_sets(state_dir, limit=1)
            existing = set(backup_set_ids(state_dir))
            save_records(state_dir, updated, newest[0].id if newest else None, (saved.interrupted | killed) & existing)
        if backup is not None:
            pruned = prune_backup_sets(state_dir, keep)
    return Transaction(backup, writes, tuple(pruned))


def _backed_up(item: FileWrite, record_before: Record | None) -> BackedUp:
    return BackedUp(item.key, item.target, item.snapshot, record_before, item.after, item.record, item.wrote)


def _write_all(changing: Sequence[FileWrite], backup: BackupSet) -> None:
    for done, item in enumerate(changing):
        try:
            if item.after is None:
                remove_file(item.path, item.shown)
            else:
                write_atomically(
                    item.snapshot,
                    item.after,
                    item.shown,
                    secret=item.secret,
                    mode=item.mode,
                    readable_by_all=item.readable_by_all,
                )
        except WriteFailedError as exc:
            if done:
                raise WriteFailedError(
                    f"{exc.message}; {done} other file(s) were already written",
                    f"{exc.fix}; undo those with 'cbcfg rollback {backup.id}'",
                ) from None
            raise
