"""Backup sets: every file one write is about to change, copied first, as one set.

``<state>/backups/<set id>/``: the files as they were, and ``manifest.json``. Everything is 0600 in
0700 folders: backups hold the virtual key. A manifest also says, per file, what the file will hold
once written (a digest), the record that goes with it, and which keys cbcfg wrote (pointer ->
digest of the value written, ``absent`` for a removal): a crash before the records are saved is
recovered from it, and a rollback undoes exactly those keys.

The sets of apply (and every writer but rollback) are the **history**; a rollback's own set holds
the files as they were just before it (``undoes`` names the set it undid) and is no step of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import BadFileError, NotFoundError, UsageError, WriteFailedError
from .fsio import PRIVATE_DIR_MODE, Snapshot, adopt_owner, make_folder, read_snapshot, utf8_pieces, write_atomically
from .records import Record, read_saved_records, read_state_json, write_state_json

BACKUPS = "backups"
MANIFEST = "manifest.json"
SET_ID = re.compile(r"^\d{8}T\d{6}Z-\d{6}$")
ABSENT = "absent"  # the digest of "no such file" or "no such key"
KEEP_BACKUPS = 20
KEEP_BACKUPS_ENV = "CBCFG_KEEP_BACKUPS"


def content_digest(data: bytes | str | None) -> str:
    """Of the file's bytes (text: its UTF-8)."""
    if data is None:
        return ABSENT
    digest = hashlib.sha256()
    for piece in utf8_pieces(data):
        digest.update(piece)
    return "sha256:" + digest.hexdigest()


@dataclass(frozen=True)
class BackedUpFile:
    path: str
    target: str
    existed: bool
    copy: str | None
    mode: int | None


def _records_json(records: Mapping[str, Record | None]) -> dict[str, Any]:
    return {path: (record.to_json() if record else None) for path, record in records.items()}


def _records_from(data: Mapping[str, Any]) -> dict[str, Record | None]:
    return {path: (Record.from_json(record) if record else None) for path, record in data.items()}


@dataclass(frozen=True)
class BackupSet:
    id: str
    created: str
    command: str
    profile: str
    files: tuple[BackedUpFile, ...]
    records_before: dict[str, Record | None]
    records_after: dict[str, Record | None] = field(default_factory=dict)  # what to record once written
    digests_after: dict[str, str] = field(default_factory=dict)  # content_digest of each file once written
    wrote: dict[str, dict[str, str]] = field(default_factory=dict)  # per file: pointer -> digest written
    undoes: str | None = None  # a rollback's set: the set it undid

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "command": self.command,
            "profile": self.profile,
            "files": [vars(entry) for entry in self.files],
            "records_before": _records_json(self.records_before),
            "records_after": _records_json(self.records_after),
            "digests_after": self.digests_after,
            "wrote": self.wrote,
            "undoes": self.undoes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BackupSet:
        return cls(
            id=data["id"],
            created=data["created"],
            command=data["command"],
            profile=data["profile"],
            files=tuple(BackedUpFile(**entry) for entry in data["files"]),
            records_before=_records_from(data["records_before"]),
            records_after=_records_from(data.get("records_after", {})),
            digests_after=dict(data.get("digests_after", {})),
            wrote={str(path): dict(keys) for path, keys in data.get("wrote", {}).items()},
            undoes=data.get("undoes"),
        )


@dataclass(frozen=True)
class BackedUp:
    """One file going into a set: as it is now, and what it will hold once written."""

    path: str
    target: str
    snapshot: Snapshot
    record_before: Record | None
    after: bytes | str | None
    record_after: Record | None
    wrote: Mapping[str, str] = field(default_factory=dict)


def new_set_id(now: datetime | None = None) -> str:
    """Sortable by time to the microsecond: the newest set is the last name."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ-%f")


def write_backup_set(
    state_dir: Path, command: str, profile: str, files: Sequence[BackedUp], undoes: str | None = None
) -> BackupSet:
    """Copy every file about to change; the manifest is written last, so a set without one is junk."""
    try:
        make_folder(state_dir / BACKUPS, PRIVATE_DIR_MODE)
        while True:
            set_id = new_set_id()
            folder = state_dir / BACKUPS / set_id
            try:
                os.mkdir(folder, PRIVATE_DIR_MODE)
                break
            except FileExistsError:
                continue
        adopt_owner(folder)  # root provisioning a home: its user can roll back
    except OSError as exc:
        raise WriteFailedError(
            f"{state_dir / BACKUPS}: cannot make a backup set there ({exc.strerror or exc})",
            "nothing was written; check that folder's permissions and free space",
        ) from None
    entries = []
    for index, item in enumerate(files, start=1):
        copy = None
        if item.snapshot.data is not None:
            copy = f"{index:02d}-{Path(item.path).name}"
            write_atomically(read_snapshot(folder / copy, copy), item.snapshot.data, str(folder / copy), secret=True)
        entries.append(BackedUpFile(item.path, item.target, item.snapshot.data is not None, copy, item.snapshot.mode))
    backup = BackupSet(
        set_id,
        datetime.now(UTC).isoformat(timespec="seconds"),
        command,
        profile,
        tuple(entries),
        {item.path: item.record_before for item in files},
        {item.path: item.record_after for item in files},
        {item.path: content_digest(item.after) for item in files},
        {item.path: dict(item.wrote) for item in files},
        undoes,
    )
    write_state_json(folder / MANIFEST, backup.to_json())
    return backup


def list_backup_sets(state_dir: Path, newer_than: str = "", limit: int | None = None) -> list[BackupSet]:
    """Complete sets, newest first (ids sort by time)."""
    folder = state_dir / BACKUPS
    if not folder.is_dir():
        return []
    sets: list[BackupSet] = []
    for child in sorted(folder.iterdir(), reverse=True):
        if (limit is not None and len(sets) >= limit) or child.name <= newer_than:
            break
        if SET_ID.match(child.name) and (child / MANIFEST).is_file():
            data = read_state_json(child / MANIFEST)
            with contextlib.suppress(KeyError, TypeError, ValueError):
                sets.append(BackupSet.from_json(data))
    return sets


def completed_sets(
    state_dir: Path, newer_than: str = "", landed: Mapping[str, frozenset[str]] | None = None
) -> list[BackupSet]:
    """Complete sets, newest first. The set of a run killed before it saved the records counts with
    the files its write reached only (``landed``, from ``transaction.landed_writes``): a rollback
    walking back through it must know what it wrote there."""
    saved = read_saved_records(state_dir)
    sets = list_backup_sets(state_dir, newer_than=newer_than)
    done = []
    for backup in sets:
        if backup.id <= saved.covers and backup.id not in saved.interrupted:
            done.append(backup)
        elif reached := (landed or {}).get(backup.id):
            files = tuple(entry for entry in backup.files if entry.path in reached)
            done.append(replace(backup, files=files))
    return done


def undone_sets(sets: Sequence[BackupSet], interrupted: frozenset[str], covers: str) -> set[str]:
    """The history steps a completed rollback undid (and no later rollback redid). Rolling back a
    set puts cbcfg's keys back as they were before it, so the steps after it are undone too. A
    rollback killed before it saved the records (newer than ``covers``, or in ``interrupted``)
    undid nothing for sure."""
    undone: set[str] = set()
    undid: dict[str, set[str]] = {}  # per rollback set: the steps it undid
    ordered = sorted(sets, key=lambda s: s.id)
    for backup in ordered:
        if backup.undoes is None or backup.id in interrupted or backup.id > covers:
            continue
        if backup.undoes in undid:  # rolling back a rollback puts what it undid back in effect
            undone -= undid[backup.undoes]
            continue
        steps = {s.id for s in ordered if s.undoes is None and backup.undoes <= s.id < backup.id and s.id not in undone}
        undid[backup.id] = steps | {backup.undoes}
        undone |= undid[backup.id]
    return undone


def find_backup_set(state_dir: Path, set_id: str | None) -> BackupSet:
    """``set_id``, or the newest step of the history not undone yet (repeated rollbacks walk back)."""
    sets = list_backup_sets(state_dir)
    if not sets:
        raise NotFoundError("no backup sets: cbcfg has not changed anything in this home", "nothing to roll back")
    if set_id is not None:
        for backup in sets:
            if backup.id == set_id:
                return backup
        raise NotFoundError(f"no backup set {set_id!r}", "list them with 'cbcfg rollback --list'")
    saved = read_saved_records(state_dir)
    undone = undone_sets(sets, saved.interrupted, saved.covers)
    for backup in sets:
        if backup.undoes is None and backup.id not in undone:
            return backup
    raise NotFoundError(
        "nothing left to roll back: every apply kept in the backups is undone",
        "pick a set with 'cbcfg rollback --list' and 'cbcfg rollback SET'",
    )


def backup_copy(state_dir: Path, backup: BackupSet, entry: BackedUpFile) -> bytes:
    assert entry.copy is not None
    path = state_dir / BACKUPS / backup.id / entry.copy
    snapshot = read_snapshot(path, str(path))
    if snapshot.data is None:
        raise BadFileError(f"{path}: backup copy is missing", "this set cannot be restored; pick another")
    return snapshot.data


def remove_incomplete_sets(state_dir: Path) -> None:
    """Sets a killed cbcfg left without a manifest."""
    folder = state_dir / BACKUPS
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if SET_ID.match(child.name) and not (child / MANIFEST).exists():
            shutil.rmtree(child, ignore_errors=True)


def configured_keep_backups() -> int:
    """How many backup sets to keep (the newest); CBCFG_KEEP_BACKUPS overrides the default 20."""
    raw = os.environ.get(KEEP_BACKUPS_ENV)
    if not raw:
        return KEEP_BACKUPS
    try:
        keep = int(raw)
    except ValueError:
        keep = 0
    if keep < 1:
        raise UsageError(
            f"{KEEP_BACKUPS_ENV}={raw!r} is not a number of sets of at least 1", "e.g. CBCFG_KEEP_BACKUPS=20"
        )
    return keep


def backup_set_ids(state_dir: Path) -> list[str]:
    """The ids of the set folders there are, oldest first (no manifest read)."""
    folder = state_dir / BACKUPS
    if not folder.is_dir():
        return []
    return sorted(child.name for child in folder.iterdir() if SET_ID.match(child.name))


def prune_backup_sets(state_dir: Path, keep: int) -> list[str]:
    """Remove the oldest sets beyond the newest ``keep`` (after a successful write, under the lock).
    Oldest first: a rollback's set always outlives the set it undid."""
    folder = state_dir / BACKUPS
    names = backup_set_ids(state_dir)
    removed = names[: max(len(names) - keep, 0)]
    for name in removed:
        shutil.rmtree(folder / name, ignore_errors=True)
    return removed
