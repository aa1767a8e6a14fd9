"""Rollback: put cbcfg's keys back as they were before one backup set, as one transaction.

Per file: if it still holds exactly what that set (or, with nobody else writing in between, the
last set since) left, its old bytes (and mode) come back whole. If it changed since (you, or Claude,
edited it), only cbcfg's own keys are undone, three-way as apply merges: each key that set or a
later one changed gets its old value back if the file still holds what cbcfg wrote there last; a
key changed since is drift, left alone and reported. Every other byte stays as it is
now, so an edit made after the apply survives. A file the write created is removed only if nothing
but cbcfg's keys is in it. The files as they were just before are backed up first. A key the user
left as it was before (deleted since) is not recorded as the rollback's own write, so a later
rollback does not take it for cbcfg's and bring an older value back. A killed apply's set is one of
the later sets for the files its write reached (``transaction.landed_writes``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .backups import ABSENT, BackedUpFile, BackupSet, backup_copy, completed_sets, content_digest
from .errors import BadFileError
from .fsio import OnWait, Snapshot, read_snapshot
from .jsondoc import Edit, JsonDocError, NotUtf8Error, apply_edits, get_at, parse_document
from .layout import Layout, display_path
from .plan import Drift, digest, top_level_keys
from .records import Record, read_saved_records
from .targets import ALL
from .transaction import FileWrite, Guarded, landed_writes, load_records, run_transaction

Outcome = Literal["restored", "removed", "unchanged"]


@dataclass(frozen=True)
class Restored:
    path: str
    shown: str
    target: str
    outcome: Outcome
    before: bytes | str | None  # the file's bytes (shown as a diff, never decoded whole)
    after: bytes | str | None
    drift: tuple[Drift, ...] = ()


@dataclass(frozen=True)
class Undo:
    """One file of the set, planned: the write, and what to report."""

    write: FileWrite
    result: Restored


def _values(data: bytes, shown: str, pointers: Mapping[str, str]) -> tuple[Any, Any]:
    """The document and the decoded top-level members ``pointers`` reach."""
    try:
        document = parse_document(data, top_level_keys(pointers))
    except NotUtf8Error as exc:
        raise BadFileError(f"{shown}: {exc}", "save the file as UTF-8") from None
    except JsonDocError as exc:
        raise BadFileError(f"{shown}: {exc}", "fix the JSON (or move the file away), then roll back again") from None
    return document, document.values


def _undo_keys(
    entry: BackedUpFile,
    snapshot: Snapshot,
    then: bytes | None,
    wrote: Mapping[str, str],
    written: Record | None,
    force: bool,
    shown: str,
) -> tuple[bytes | str | None, list[str], list[Drift]]:
    """cbcfg's keys undone in the file as it is now: (new text, keys already as they were by another
    hand than cbcfg's, drift)."""
    if snapshot.data is None:
        return None, [], [Drift(pointer, "the file was removed since; left alone") for pointer in wrote]
    document, now = _values(snapshot.data, shown, wrote)
    old: Any = _values(then, shown, wrote)[1] if then is not None else {}
    edits, theirs, drift = [], [], []
    for pointer, digest_written in wrote.items():
        found_now, value_now = get_at(now, pointer)
        found_then, value_then = get_at(old, pointer)
        digest_now = digest(value_now) if found_now else ABSENT
        if digest_now == (digest(value_then) if found_then else ABSENT):
            if digest_now != digest_written:
                theirs.append(pointer)  # the user's doing (a key deleted since): not the rollback's to claim
            continue  # already as it was
        if digest_now != digest_written and not force:
            how = "changed" if found_now else "removed"
            drift.append(Drift(pointer, f"{how} since cbcfg set it; left alone"))
            continue
        edits.append(Edit(pointer, value_then) if found_then else Edit(pointer, remove=True))
    if not edits:
        return snapshot.data, theirs, drift
    created = written.containers if written is not None else ()
    try:
        text = apply_edits(document, edits, prune=created, order=list(wrote), anchors=created)
    except JsonDocError as exc:
        raise BadFileError(f"{shown}: {exc}", "fix or remove that key by hand, then roll back again") from None
    if not entry.existed and not drift and parse_document(text).values == {}:
        return None, theirs, drift  # nothing but cbcfg's keys was in the file it created
    return text, theirs, drift


def _record_after(
    path: str, backup: BackupSet, current: Record | None, drift: list[Drift], whole: bool
) -> Record | None:
    """The record once undone: the set's record from before, plus the drifted keys cbcfg still owns."""
    before = backup.records_before.get(path)
    if whole or not drift or current is None:
        return before
    owned = dict(before.owned) if before is not None else {}
    for item in drift:
        if item.pointer in current.owned:
            owned[item.pointer] = current.owned[item.pointer]
    base = before or current
    return Record(base.target, base.profile, owned, current.containers, current.created)


def _chain(state_dir: Path, backup: BackupSet, later: Sequence[BackupSet], path: str) -> tuple[list[BackupSet], bool]:
    """``backup`` and every later set that wrote ``path``, oldest first; and whether nobody else
    wrote the file between them (each set found it as the one before left it)."""
    chain = [backup, *(s for s in sorted(later, key=lambda s: s.id) if any(e.path == path for e in s.files))]
    for before, after in itertools.pairwise(chain):
        entry = next(e for e in after.files if e.path == path)
        found = content_digest(backup_copy(state_dir, after, entry)) if entry.existed else ABSENT
        if found != before.digests_after.get(path):
            return chain, False
    return chain, True


def _last_written(chain: Sequence[BackupSet], path: str) -> dict[str, str] | None:
    """Per key, what cbcfg wrote there last (None: a set from before cbcfg kept that)."""
    last: dict[str, str] = {}
    for backup in chain:
        wrote = backup.wrote.get(path)
        if wrote is None:
            return None
        last.update(wrote)
    return last


def plan_undo(
    layout: Layout,
    backup: BackupSet,
    records: Mapping[str, Record],
    later: Sequence[BackupSet],
    force: bool = False,
    unwritten: frozenset[str] = frozenset(),
) -> list[Undo]:
    """What undoing ``backup`` does to each file now (reads only): cbcfg's keys back to what they
    were before it, whichever later set wrote them since (``later``: the sets newer than it).
    ``force``: undo a key changed since as well. ``unwritten``: the files a killed ``backup`` never
    wrote (only the later sets' keys there are undone)."""
    undos = []
    for entry in backup.files:
        shown = display_path(Path(entry.path), layout.home)
        target = ALL.get(entry.target)
        snapshot = read_snapshot(Path(entry.path), shown)
        then = backup_copy(layout.state_dir, backup, entry) if entry.existed else None
        chain, clean = _chain(layout.state_dir, backup, later, entry.path)
        written = chain[-1].digests_after.get(entry.path)
        never = entry.path in unwritten
        wrote = _last_written(chain[1:] if never else chain, entry.path)
        drift: list[Drift] = []
        theirs: list[str] = []
        mode = None
        now = content_digest(snapshot.data)
        whole = (
            snapshot.data == then
            or now == backup.digests_after.get(entry.path)  # as that set left it (later ones undone)
            or (clean and now == written)  # as the last set left it, and nobody wrote in between
            or (wrote is None and force)
        )
        if whole:
            after: bytes | str | None = then
            mode = entry.mode
        elif wrote is None:  # a set from before cbcfg kept what it wrote: whole files only
            after = snapshot.data
            drift = [Drift("", "the file changed since this set was written; left alone (restore it by hand)")]
        else:
            after, theirs, drift = _undo_keys(entry, snapshot, then, wrote, records.get(entry.path), force, shown)
        changed = (after is None) != (snapshot.data is None) or (
            after is not None and snapshot.data is not None and _bytes(after) != snapshot.data
        )
        if not changed:
            outcome: Outcome = "unchanged"
        else:
            outcome = "removed" if after is None else "restored"
        record = _record_after(entry.path, backup, records.get(entry.path), drift, whole)
        if never and len(chain) == 1:
            record = records.get(entry.path)  # nothing of cbcfg's was written there since
        write = FileWrite(
            path=Path(entry.path),
            shown=shown,
            target=entry.target,
            snapshot=snapshot,
            changed=changed,
            after=after,
            record=record,
            mode=mode,
            secret=False,
            readable_by_all=target is not None and target.readable_by_all,
            wrote=_old_digests(
                then,
                wrote,
                _left(drift, then, wrote, backup.records_before.get(entry.path), shown) | set(theirs),
                shown,
            )
            if changed
            else {},
        )
        result = Restored(entry.path, shown, entry.target, outcome, snapshot.data, after, tuple(drift))
        undos.append(Undo(write, result))
    return undos


def _left(
    drift: Sequence[Drift], then: bytes | None, wrote: Mapping[str, str] | None, before: Record | None, shown: str
) -> set[str]:
    """Keys the rollback does not claim as cbcfg's: drift, and values put back that were the user's
    (not as cbcfg had set them, or a key cbcfg had set and the user deleted), so that a later
    rollback leaves them alone."""
    left = {item.pointer for item in drift}
    if not wrote or then is None:
        return left
    old: Any = _values(then, shown, wrote)[1]
    owned = before.owned if before is not None else {}
    for pointer in wrote:
        found, value = get_at(old, pointer)
        if (found and owned.get(pointer) != digest(value)) or (not found and pointer in owned):
            left.add(pointer)
    return left


def _bytes(data: bytes | str) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8")


def _old_digests(then: bytes | None, wrote: Mapping[str, str] | None, left: set[str], shown: str) -> dict[str, str]:
    """What the rollback writes per key, the old values (so that it can itself be undone three-way)."""
    if not wrote:
        return {}
    old: Any = _values(then, shown, wrote)[1] if then is not None else {}
    result = {}
    for pointer in wrote:
        if pointer not in left:
            found, value = get_at(old, pointer)
            result[pointer] = digest(value) if found else ABSENT
    return result


def _claude_lock(name: str) -> bool:
    target = ALL.get(name)
    return target is not None and target.claude_lock


def _unwritten(layout: Layout, backup: BackupSet, landed: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The files of a killed run's set that its write never reached (none for a completed set)."""
    saved = read_saved_records(layout.state_dir)
    if backup.id <= saved.covers and backup.id not in saved.interrupted:
        return frozenset()
    return frozenset(entry.path for entry in backup.files) - landed.get(backup.id, frozenset())


def plan_restore(layout: Layout, backup: BackupSet, force: bool = False) -> list[Restored]:
    """What rolling back ``backup`` would do to each file (reads only): the preview."""
    landed = landed_writes(layout.state_dir)
    later = completed_sets(layout.state_dir, newer_than=backup.id, landed=landed)
    unwritten = _unwritten(layout, backup, landed)
    return [undo.result for undo in plan_undo(layout, backup, load_records(layout.state_dir), later, force, unwritten)]


def restore_backup_set(
    layout: Layout,
    backup: BackupSet,
    lock_timeout: float | None = None,
    on_wait: OnWait | None = None,
    force: bool = False,
) -> tuple[BackupSet, list[Restored]]:
    """Undo ``backup`` as one transaction; returns the rollback's own set (the files as they were
    just before) and the outcome per file."""
    results: list[Restored] = []

    def plan(records: Mapping[str, Record]) -> list[FileWrite]:
        landed = landed_writes(layout.state_dir)
        later = completed_sets(layout.state_dir, newer_than=backup.id, landed=landed)
        undos = plan_undo(layout, backup, records, later, force, _unwritten(layout, backup, landed))
        results[:] = [undo.result for undo in undos]
        return [undo.write for undo in undos]

    guarded = [
        Guarded(Path(entry.path), display_path(Path(entry.path), layout.home), _claude_lock(entry.target))
        for entry in backup.files
    ]
    done = run_transaction(
        layout.state_dir, guarded, plan, f"rollback {backup.id}", backup.profile, backup.id, lock_timeout, on_wait
    )
    assert done.backup is not None  # a rollback always records its set: the history moves back
    return done.backup, results
