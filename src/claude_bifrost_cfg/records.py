"""The ownership record: for every file cbcfg wrote, which keys it set (digests, never values).

Kept in ``<state>/records.json``, 0600 in a 0700 folder. The file also names the newest backup set
its records cover (``set``), the sets whose run was killed before it saved them (``interrupted``):
a rollback killed half way does not count as having undone its set, and, per killed set, the files
its write reached (``landed``, as judged when it was recovered): those are part of the history a
rollback walks back through. The records of a killed run are recovered from its backup set by
``transaction.load_records``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BadFileError
from .fsio import PRIVATE_DIR_MODE, make_folder, read_snapshot, write_atomically

RECORDS = "records.json"


@dataclass(frozen=True)
class Record:
    """What cbcfg set in one file: pointer -> digest of the value, the objects it created, and the
    owned keys it added (as opposed to keys the file had before: those stay where the user put them,
    and new keys are placed among cbcfg's own only)."""

    target: str
    profile: str
    owned: dict[str, str]
    containers: tuple[str, ...] = ()
    created: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "profile": self.profile,
            "owned": self.owned,
            "containers": list(self.containers),
            "created": list(self.created),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Record:
        return cls(
            target=str(data["target"]),
            profile=str(data["profile"]),
            owned={str(k): str(v) for k, v in dict(data["owned"]).items()},
            containers=tuple(str(c) for c in data.get("containers", ())),
            created=tuple(str(c) for c in data.get("created", ())),
        )


@dataclass(frozen=True)
class SavedRecords:
    """records.json as saved: the records, the newest set they cover, the sets killed before it
    and the files each of those did write."""

    files: dict[str, Record]
    covers: str = ""  # the id of the newest backup set when they were saved
    interrupted: frozenset[str] = field(default_factory=frozenset)
    landed: dict[str, frozenset[str]] = field(default_factory=dict)  # killed set -> files it wrote


def read_state_json(path: Path) -> Any:
    """One of cbcfg's own JSON files (None: there is none)."""
    snapshot = read_snapshot(path, str(path))
    if snapshot.data is None:
        return None
    try:
        return json.loads(snapshot.data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadFileError(
            f"{path}: cbcfg's own state is damaged", "move it away; cbcfg starts afresh without it"
        ) from None


def write_state_json(path: Path, data: Any) -> None:
    make_folder(path.parent, PRIVATE_DIR_MODE)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_atomically(read_snapshot(path, str(path)), text.encode("utf-8"), str(path), secret=True)


def read_saved_records(state_dir: Path) -> SavedRecords:
    """records.json exactly as saved (no recovery of a killed run)."""
    data = read_state_json(state_dir / RECORDS)
    if not data:
        return SavedRecords({})
    try:
        files = {path: Record.from_json(entry) for path, entry in data["files"].items()}
        covers = str(data["set"]) if data.get("set") else ""
        interrupted = frozenset(str(set_id) for set_id in data.get("interrupted", ()))
        landed = {str(set_id): frozenset(map(str, paths)) for set_id, paths in data.get("landed", {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BadFileError(
            f"{state_dir / RECORDS}: cbcfg's own records are damaged", "move the file away and apply again"
        ) from None
    return SavedRecords(files, covers, interrupted, landed)


def save_records(
    state_dir: Path,
    records: Mapping[str, Record],
    covers: str | None,
    interrupted: Iterable[str] = (),
    landed: Mapping[str, Iterable[str]] | None = None,
) -> None:
    """Saved last, under cbcfg's lock: they now cover every backup set up to ``covers``."""
    write_state_json(
        state_dir / RECORDS,
        {
            "version": 1,
            "set": covers,
            "interrupted": sorted(set(interrupted)),
            "landed": {set_id: sorted(paths) for set_id, paths in sorted((landed or {}).items())},
            "files": {path: record.to_json() for path, record in sorted(records.items())},
        },
    )
