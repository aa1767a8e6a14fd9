"""Writing the plan: ``commit`` hands it to the one transaction (transaction.py), which takes the
locks, re-reads every file (Claude may have rewritten it since), re-plans on what is there now
(``current.plan_current``), backs everything up as one set, writes atomically and saves the
ownership records last. The current state and its first plan are ``current.prepare``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .backups import ABSENT, BackupSet
from .current import PlannedFile, needed_members, plan_current, read_current
from .errors import RefusedError
from .fsio import OnWait, read_snapshot
from .layout import Layout
from .plan import Change, digest
from .records import Record
from .transaction import FileWrite, Guarded, run_transaction


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


def _file_write(item: PlannedFile) -> FileWrite:
    wrote = {c.pointer: ABSENT if c.action == "remove" else digest(c.new) for c in item.plan.changes}
    return FileWrite(
        path=item.current.path,
        shown=item.current.shown,
        target=item.current.target.name,
        snapshot=item.current.snapshot,
        changed=item.plan.changed,
        after=_merged_text(item) if item.plan.changed else None,
        record=item.plan.record,
        secret=item.fragment.secret,
        readable_by_all=item.current.target.readable_by_all,
        wrote=wrote,
    )


def commit(
    layout: Layout,
    planned: Sequence[PlannedFile],
    command: str,
    profile: str,
    force: bool,
    lock_timeout: float | None = None,
    on_wait: OnWait | None = None,
) -> Committed:
    """Write the plan as one transaction, planned again on the files as they are under the locks."""
    fresh: list[PlannedFile] = []

    def plan_again(records: Mapping[str, Record]) -> list[FileWrite]:
        fresh[:] = [_replan(item, layout, records.get(item.key), profile, force) for item in planned]
        return [_file_write(item) for item in fresh]

    guarded = [
        Guarded(item.current.path, item.current.shown, item.current.target.claude_lock, item.plan.changed)
        for item in planned
    ]
    done = run_transaction(layout.state_dir, guarded, plan_again, command, profile, None, lock_timeout, on_wait)
    return Committed(done.backup, tuple(fresh))


def _merged_text(item: PlannedFile) -> bytes:
    """The merged bytes, hashed and written as they are."""
    assert item.plan.after is not None
    return item.plan.after


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
