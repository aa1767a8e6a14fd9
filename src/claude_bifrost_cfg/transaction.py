"""The one crash-safe way cbcfg changes files: apply, rollback, and every writer to come.

``run_transaction`` takes cbcfg's lock (and Claude Code's lock on the files that need it), clears
what a killed run left (stray temp files, backup sets without a manifest, a stale Claude lock),
loads the records, plans every file again on what is on disk now, backs up every file about to
change as one set, writes each atomically, and saves the records last. Killed at any step, each
file is old or new, never partial, and the next run (or a plain read) recovers by itself: a set
newer than the records says what its files hold once written and the records that go with them.
A file Claude (or the user) rewrote since is judged by the keys the killed run wrote, not by its
bytes; the verdict is saved with the records, and the history a rollback walks includes it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .backups import (
    ABSENT,
    BackedUp,
    BackupSet,
    backup_copy,
    backup_set_ids,
    configured_keep_backups,
    content_digest,
    list_backup_sets,
    prune_backup_sets,
    remove_incomplete_sets,
    write_backup_set,
)
from .errors import BadFileError, UsageError, WriteFailedError
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
from .jsondoc import JsonDocError, get_at, parse_document
from .plan import digest, top_level_keys
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
    them: for every file that run's write reached (``recover``)."""
    return recover(state_dir).records


@dataclass(frozen=True)
class Recovered:
    """The records with those of the runs killed before saving them, and per killed set the files
    its write reached (the saved verdicts, and those of the sets since the records were saved)."""

    records: dict[str, Record]
    landed: dict[str, frozenset[str]]


def recover(state_dir: Path) -> Recovered:
    saved = read_saved_records(state_dir)
    records = dict(saved.files)
    landed = dict(saved.landed)
    killed = list(reversed(list_backup_sets(state_dir, newer_than=saved.covers)))  # oldest first
    for index, backup in enumerate(killed):
        reached = set()
        for path in backup.digests_after:
            if path not in backup.records_after:
                continue
            found = _found_next(state_dir, killed[index + 1 :], path)
            wrote_it, changed = _write_reached(state_dir, backup, path, found)
            if wrote_it:
                reached.add(path)
            pending, previous = backup.records_after[path], records.get(path)
            record = _keeping(pending, previous, changed) if wrote_it else _keeping(previous, pending, changed)
            if record is None:
                records.pop(path, None)
            else:
                records[path] = record
        landed[backup.id] = frozenset(reached)
    return Recovered(records, landed)


def landed_writes(state_dir: Path) -> dict[str, frozenset[str]]:
    """Per set of a run killed before it saved the records: the files its write reached."""
    return recover(state_dir).landed


def _found_next(state_dir: Path, later: Sequence[BackupSet], path: str) -> bytes | None:
    """What the file held next: as the next killed run found it (its backup copy), else now."""
    for backup in later:
        for entry in backup.files:
            if entry.path == path:
                return backup_copy(state_dir, backup, entry) if entry.existed else None
    return read_snapshot(Path(path), path).data


def _write_reached(state_dir: Path, backup: BackupSet, path: str, found: bytes | None) -> tuple[bool, set[str]]:
    """Whether a killed run's write of ``path`` reached the file, judged on what it held next
    (``found``), and the keys it wrote that hold neither its value nor the one from before (changed
    by hand since). Byte for byte, else (Claude or the user rewrote the file) by the keys it wrote:
    one that holds the value written says it did, one that holds its value from before says it did
    not; a key deleted since says little (the user deletes keys), and a changed one nothing."""
    if content_digest(found) == backup.digests_after.get(path):
        return True, set()
    entry = next((item for item in backup.files if item.path == path), None)
    wrote = backup.wrote.get(path)
    if entry is None or not wrote or found is None:
        return False, set()
    try:
        before = backup_copy(state_dir, backup, entry) if entry.existed else None
        if found == before:
            return False, set()
        now = _values(found, wrote)
        then = _values(before, wrote) if before is not None else {}
    except (BadFileError, JsonDocError):
        return False, set()  # unreadable: as if it had not (the file is refused until fixed anyway)
    held: set[tuple[bool, str]] = set()  # (present now, "written" | "before")
    changed = set()
    for pointer, written in wrote.items():
        present, value = get_at(now, pointer)
        value_now = digest(value) if present else ABSENT
        if value_now == written:
            held.add((present, "written"))
        elif value_now == _value_digest(then, pointer):
            held.add((present, "before"))
        elif present:
            changed.add(pointer)
    if (True, "written") in held or (True, "before") in held:
        return (True, "written") in held, changed
    return (False, "written") in held and (False, "before") not in held, changed


def _keeping(record: Record | None, other: Record | None, changed: set[str]) -> Record | None:
    """``record``, still owning the keys changed by hand that ``other`` owns: whichever way the
    write went, such a value is drift (left alone, reported), never taken over as nobody's."""
    adopt = {pointer: other.owned[pointer] for pointer in changed if other is not None and pointer in other.owned}
    adopt = {pointer: value for pointer, value in adopt.items() if record is None or pointer not in record.owned}
    if not adopt or other is None:
        return record
    if record is None:
        return Record(other.target, other.profile, adopt)
    return replace(record, owned={**record.owned, **adopt})


def _values(data: bytes, pointers: Mapping[str, str]) -> Any:
    """The decoded top-level members ``pointers`` reach."""
    return parse_document(data, top_level_keys(pointers)).values


def _value_digest(values: Any, pointer: str) -> str:
    found, value = get_at(values, pointer)
    return digest(value) if found else ABSENT


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
        recovered = recover(state_dir)  # with the records of a killed run, where its write reached
        records = recovered.records
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
            interrupted = (saved.interrupted | killed) & existing
            landed = {set_id: recovered.landed[set_id] for set_id in interrupted if set_id in recovered.landed}
            save_records(state_dir, updated, newest[0].id if newest else None, interrupted, landed)
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
