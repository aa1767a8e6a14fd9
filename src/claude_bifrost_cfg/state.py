"""cbcfg's own state, kept under the home it describes: ownership records and backup sets.

``<state>/records.json``: for every file cbcfg wrote, which keys it set (digests, never values).
``<state>/backups/<set id>/``: the files as they were before one apply, and ``manifest.json``.
Everything here is 0600 in 0700 folders: backups hold the virtual key.

A manifest also says what each file will hold after the apply (a digest) and the records that go
with it; records.json names the last set whose records it holds. If cbcfg is killed after replacing
files but before saving records, the next load finds that set and takes its records for every
file that holds what the set wrote: no manual step, no false drift.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import BadFileError, NotFoundError, WriteFailedError
from .fsio import PRIVATE_DIR_MODE, Snapshot, adopt_owner, make_folder, read_snapshot, utf8_pieces, write_atomically
from .plan import Record

RECORDS = "records.json"
BACKUPS = "backups"
MANIFEST = "manifest.json"
SET_ID = re.compile(r"^\d{8}T\d{6}Z-\d{6}$")


def _read_json(path: Path) -> Any:
    snapshot = read_snapshot(path, str(path))
    if snapshot.data is None:
        return None
    try:
        return json.loads(snapshot.data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadFileError(
            f"{path}: cbcfg's own state is damaged", "move it away; cbcfg starts afresh without it"
        ) from None


def _write_json(path: Path, data: Any) -> None:
    make_folder(path.parent, PRIVATE_DIR_MODE)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_atomically(read_snapshot(path, str(path)), text.encode("utf-8"), str(path), secret=True)


def load_records(state_dir: Path) -> dict[str, Record]:
    """The ownership records, with those of an apply that was killed before saving them."""
    data = _read_json(state_dir / RECORDS)
    try:
        records = {path: Record.from_json(entry) for path, entry in data["files"].items()} if data else {}
        saved_set = str(data["set"]) if data and data.get("set") else ""
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BadFileError(
            f"{state_dir / RECORDS}: cbcfg's own records are damaged", "move the file away and apply again"
        ) from None
    for backup in reversed(list_backup_sets(state_dir, newer_than=saved_set)):
        for path, digest_after in backup.digests_after.items():
            if path in backup.records_after and content_digest(read_snapshot(Path(path), path).data) == digest_after:
                record = backup.records_after[path]
                if record is None:
                    records.pop(path, None)
                else:
                    records[path] = record
    return records


def save_records(state_dir: Path, records: Mapping[str, Record]) -> None:
    """Saved last (under cbcfg's lock): they now cover every backup set there is."""
    newest = list_backup_sets(state_dir, limit=1)
    _write_json(
        state_dir / RECORDS,
        {
            "version": 1,
            "set": newest[0].id if newest else None,
            "files": {path: record.to_json() for path, record in sorted(records.items())},
        },
    )


def content_digest(data: bytes | str | None) -> str:
    """Of the file's bytes (text: its UTF-8)."""
    if data is None:
        return "absent"
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

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "command": self.command,
            "profile": self.profile,
            "files": [vars(entry) for entry in self.files],
            "records_before": {
                path: (record.to_json() if record else None) for path, record in self.records_before.items()
            },
            "records_after": {
                path: (record.to_json() if record else None) for path, record in self.records_after.items()
            },
            "digests_after": self.digests_after,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BackupSet:
        return cls(
            id=data["id"],
            created=data["created"],
            command=data["command"],
            profile=data["profile"],
            files=tuple(BackedUpFile(**entry) for entry in data["files"]),
            records_before={
                path: (Record.from_json(record) if record else None) for path, record in data["records_before"].items()
            },
            records_after={
                path: (Record.from_json(record) if record else None)
                for path, record in data.get("records_after", {}).items()
            },
            digests_after=dict(data.get("digests_after", {})),
        )


def new_set_id(now: datetime | None = None) -> str:
    """Sortable by time to the microsecond: the newest set is the last name."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ-%f")


def write_backup_set(
    state_dir: Path,
    command: str,
    profile: str,
    files: list[tuple[str, str, Snapshot]],
    records_before: Mapping[str, Record | None],
    after: Mapping[str, tuple[bytes | str | None, Record | None]] | None = None,
) -> BackupSet:
    """Copy every file about to change; the manifest is written last, so a set without one is junk.
    ``after``: per path, what the file will hold and the record that goes with it."""
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
    for index, (path, target, snapshot) in enumerate(files, start=1):
        copy = None
        if snapshot.data is not None:
            copy = f"{index:02d}-{Path(path).name}"
            _write_bytes(folder / copy, snapshot.data)
        entries.append(BackedUpFile(path, target, snapshot.data is not None, copy, snapshot.mode))
    created = datetime.now(UTC).isoformat(timespec="seconds")
    after = after or {}
    backup = BackupSet(
        set_id,
        created,
        command,
        profile,
        tuple(entries),
        dict(records_before),
        {path: record for path, (_, record) in after.items()},
        {path: content_digest(data) for path, (data, _) in after.items()},
    )
    _write_json(folder / MANIFEST, backup.to_json())
    return backup


def _write_bytes(path: Path, data: bytes) -> None:
    write_atomically(read_snapshot(path, str(path)), data, str(path), secret=True)


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
            data = _read_json(child / MANIFEST)
            with contextlib.suppress(KeyError, TypeError, ValueError):
                sets.append(BackupSet.from_json(data))
    return sets


def find_backup_set(state_dir: Path, set_id: str | None) -> BackupSet:
    sets = list_backup_sets(state_dir)
    if not sets:
        raise NotFoundError("no backup sets: cbcfg has not changed anything in this home", "nothing to roll back")
    if set_id is None:
        return sets[0]
    for backup in sets:
        if backup.id == set_id:
            return backup
    raise NotFoundError(f"no backup set {set_id!r}", "list them with 'cbcfg rollback --list'")


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
