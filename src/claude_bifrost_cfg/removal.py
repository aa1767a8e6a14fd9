"""Taking cbcfg out again: every key it owns, out of the files it has records for, as one transaction.

The removal is the ordinary plan with a desired state of nothing: planned against the ownership
records (``current.plan_current``), it takes out what cbcfg set and nothing else, splicing the
text so every other byte stays; a key the user changed since is drift, left alone unless forced.
A file cbcfg created that holds nothing else afterwards is removed. The records of those files are
forgotten (the drifted keys stay recorded, so that ``remove --force`` can still take them out),
and the one transaction keeps a backup set, so ``cbcfg rollback`` undoes a removal like an apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .backups import ABSENT, BackupSet, list_backup_sets
from .current import PlannedFile, needed_members, plan_current, read_current
from .desired import Fragment
from .errors import RefusedError, UsageError
from .fsio import OnWait, read_snapshot
from .jsondoc import JsonDocError, parse_document, path_to_pointer
from .layout import Layout
from .records import Record
from .targets import ALL
from .transaction import FileWrite, Guarded, load_records, run_transaction
from .vocabulary import API_KEY_HELPER

NOTHING = Fragment({})  # the desired state of a removal: cbcfg owns nothing


@dataclass(frozen=True)
class Removal:
    """One recorded file, planned: its keys out (``planned.plan``), and whether the file goes."""

    planned: PlannedFile
    deletes: bool  # cbcfg created the file and nothing else is left in it: removed
    record: Record | None  # the file's record afterwards (None: forgotten)
    previous: Record  # its record before

    @property
    def changed(self) -> bool:
        return self.planned.plan.changed

    @property
    def shown(self) -> str:
        return self.planned.current.shown


@dataclass(frozen=True)
class Removed:
    removals: tuple[Removal, ...]
    written: bool
    backup: BackupSet | None
    key_forgotten: tuple[str, ...] = ()  # what ``forget_key`` did, to say


def chosen_records(layout: Layout, names: Sequence[str]) -> dict[str, Record]:
    """The records of the files to clear: every file cbcfg has records for, or those of ``names``."""
    unknown = [name for name in names if name not in ALL]
    if unknown:
        raise UsageError(f"unknown target {unknown[0]!r}", "use one of " + ", ".join(ALL))
    records = load_records(layout.state_dir)
    return {path: record for path, record in records.items() if not names or record.target in names}


def created_by_cbcfg(sets: Sequence[BackupSet], path: str) -> bool:
    """Whether the file at ``path`` exists because cbcfg made it: the sets that wrote it, oldest
    first, show cbcfg creating it (``existed: False``) and nobody making it again after cbcfg
    removed it (a file that was there before cbcfg's first kept set is the user's)."""
    created = False
    left_absent = False
    for backup in sorted(sets, key=lambda s: s.id):
        entry = next((e for e in backup.files if e.path == path), None)
        if entry is None:
            continue
        if not entry.existed:
            created = True
        elif left_absent:
            created = False  # cbcfg had removed it; someone else made it again
        left_absent = backup.digests_after.get(path) == ABSENT
    return created


def _nothing_left(text: bytes | None) -> bool:
    if text is None or not text.strip():
        return True
    try:
        return parse_document(text).values == {}
    except JsonDocError:
        return False


def plan_removal(layout: Layout, path: str, record: Record, sets: Sequence[BackupSet], force: bool) -> Removal | None:
    """One file with cbcfg's keys taken out (reads only). None: a target this cbcfg does not know."""
    target = ALL.get(record.target)
    if target is None:
        return None
    current = read_current(target, Path(path), layout.home, needed_members(target, NOTHING, record))
    planned = plan_current(current, NOTHING, record, record.profile, force)
    plan = planned.plan
    deletes = False
    if plan.before is not None and not plan.drift and _nothing_left(plan.after) and created_by_cbcfg(sets, path):
        deletes = True
        planned = replace(planned, plan=replace(plan, after=None))
    left = plan.record
    return Removal(planned, deletes, left if left.owned else None, record)


def plan_removals(layout: Layout, records: Mapping[str, Record], force: bool) -> list[Removal]:
    sets = list_backup_sets(layout.state_dir)
    removals = [plan_removal(layout, path, record, sets, force) for path, record in sorted(records.items())]
    return [removal for removal in removals if removal is not None]


def _file_write(removal: Removal) -> FileWrite:
    planned = removal.planned
    return FileWrite(
        path=planned.current.path,
        shown=planned.current.shown,
        target=planned.current.target.name,
        snapshot=planned.current.snapshot,
        changed=planned.plan.changed,
        after=planned.plan.after,
        record=removal.record,
        secret=False,  # what is left is the user's: the file keeps its mode
        readable_by_all=planned.current.target.readable_by_all,
        wrote={change.pointer: ABSENT for change in planned.plan.changes},
    )


def _taken_out(removal: Removal) -> set[str]:
    return {change.pointer for change in removal.planned.plan.changes}


HELPER_POINTER = path_to_pointer((API_KEY_HELPER,))


def forget_key(layout: Layout, records: Sequence[Record], write: bool) -> tuple[str, ...]:
    """Drop the virtual key from wherever the key mode keeps it outside the target files; returns
    what was (``write``) or would be done, one line each, to say.

    In ``key`` and ``header`` modes the key is one of the files' own keys, which the removal plan
    has already taken out. In ``helper`` mode it is in a key store (the OS keyring, or the 0600
    fallback file), one entry per profile: removed once no file cbcfg still manages uses that
    profile's helper."""
    from .keystore import delete_key, known_entries

    still_used = {  # after a write the forgotten records are gone; in a dry run they are still there
        record.profile
        for record in load_records(layout.state_dir).values()
        if record not in records and HELPER_POINTER in record.owned
    }
    profiles = sorted({r.profile for r in records if HELPER_POINTER in r.owned} - still_used)
    stored = known_entries(layout.state_dir)
    said = []
    for profile in profiles:
        if write:
            places = delete_key(layout.state_dir, profile)
            if places:
                said.append(f"removed the virtual key of profile {profile!r} from the {' and '.join(places)} store")
        elif profile in stored:
            store = stored[profile]["store"]
            said.append(f"would remove the virtual key of profile {profile!r} from the {store} store")
    return tuple(said)


def remove_owned(
    layout: Layout,
    removals: Sequence[Removal],
    force: bool,
    lock_timeout: float | None = None,
    on_wait: OnWait | None = None,
) -> Removed:
    """Write the removals as the one transaction, planned again under the locks on the files as
    they are now (Claude may have rewritten one since the plan was shown)."""
    fresh: list[Removal] = []
    shown = {str(removal.planned.current.path): removal for removal in removals}

    def plan_again(records: Mapping[str, Record]) -> list[FileWrite]:
        sets = list_backup_sets(layout.state_dir)
        fresh.clear()
        for path, before in shown.items():
            record = records.get(path)
            if record is None:
                continue  # another cbcfg removed it meanwhile
            snapshot = read_snapshot(Path(path), before.shown, known=before.planned.current.snapshot.data)
            if snapshot.data is before.planned.current.snapshot.data:
                fresh.append(before)  # the same bytes: the plan shown stands
                continue
            again = plan_removal(layout, path, record, sets, force)
            if again is None:
                continue
            if not _taken_out(again) <= _taken_out(before):
                raise RefusedError(
                    f"{before.shown}: changed while cbcfg was working; the keys it manages differ now",
                    "run the command again to see the new plan",
                )
            fresh.append(again)
        return [_file_write(removal) for removal in fresh]

    guarded = [
        Guarded(r.planned.current.path, r.shown, r.planned.current.target.claude_lock, r.changed) for r in removals
    ]
    profiles = ",".join(sorted({r.previous.profile for r in removals}))  # what the set takes out
    done = run_transaction(layout.state_dir, guarded, plan_again, "remove", profiles, None, lock_timeout, on_wait)
    forgotten = [r.previous for r in fresh if r.record is None]
    said = forget_key(layout, forgotten, write=True)
    return Removed(tuple(fresh), True, done.backup, said)


def remove(
    layout: Layout,
    targets: Sequence[str] = (),
    *,
    force: bool = False,
    write: bool = True,
    on_wait: OnWait | None = None,
) -> Removed:
    """``cbcfg remove --yes`` without printing: plan, then write unless ``write`` is False."""
    removals = plan_removals(layout, chosen_records(layout, targets), force)
    if not write:
        records = [r.previous for r in removals if r.record is None]
        return Removed(tuple(removals), False, None, forget_key(layout, records, write=False))
    return remove_owned(layout, removals, force, on_wait=on_wait)
