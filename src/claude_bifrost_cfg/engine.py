"""From a rendered profile to written files: read the destination, plan, validate, then commit.

``prepare`` only reads; ``commit`` hands the plan to the one transaction (transaction.py), which
takes the locks, re-reads every file (Claude may have rewritten it since), re-plans on what is
there now, backs everything up as one set, writes atomically and saves the ownership records last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .backups import ABSENT, BackupSet
from .errors import BadFileError, RefusedError
from .fsio import OnWait, Snapshot, decode_text, read_snapshot, written_mode
from .jsondoc import Document, JsonDocError, parse_document
from .layout import Layout, display_path
from .plan import Change, FilePlan, digest, plan_file, top_level_keys
from .records import Record
from .render import Fragment, Rendered
from .targets.base import Target
from .transaction import FileWrite, Guarded, load_records, run_transaction
from .validate import problems_added


@dataclass(frozen=True)
class Current:
    """One target file as it is now (the destination state)."""

    target: Target
    path: Path
    shown: str
    snapshot: Snapshot
    document: Document | None


@dataclass(frozen=True)
class PlannedFile:
    current: Current
    fragment: Fragment
    plan: FilePlan

    @property
    def key(self) -> str:
        return str(self.current.path)


def _parse(text: str, shown: str, keep: dict[str, None] | None) -> Document:
    try:
        return parse_document(text, keep)
    except JsonDocError as exc:
        raise BadFileError(f"{shown}: {exc}", "fix the JSON (or move the file away), then run again") from None


def read_current(target: Target, path: Path, home: Path, keep: dict[str, None] | None) -> Current:
    """Read and parse a target file. ``keep``: top-level members to decode (None: all)."""
    shown = display_path(path, home)
    snapshot = read_snapshot(path, shown)
    document = None
    if snapshot.data is not None:
        document = _parse(decode_text(snapshot.data, shown), shown, keep)
    return Current(target, path, shown, snapshot, document)


def _needed(target: Target, fragment: Fragment, previous: Record | None) -> dict[str, None] | None:
    if target.settings_schema:
        return None  # small files, validated whole against the settings schema
    return top_level_keys(fragment.owned, previous.owned if previous else {})


def plan_current(
    current: Current, fragment: Fragment, previous: Record | None, profile: str, force: bool
) -> PlannedFile:
    document = current.document
    try:
        plan = plan_file(
            current.target.name,
            profile,
            document,
            document.values if document else None,
            fragment.owned,
            previous,
            force,
            fragment.notes,
        )
    except JsonDocError as exc:
        raise BadFileError(f"{current.shown}: {exc}", "fix or remove that key by hand, then run again") from None
    if plan.changed and plan.after is not None:
        keep = _needed(current.target, fragment, previous)
        after = _parse(plan.after, current.shown, keep).values
        before = document.values if document else None
        problems = problems_added(current.target, before, after, fragment)
        if problems:
            raise RefusedError(
                f"{current.shown}: the merged file would be invalid at {problems[0]}",
                "nothing was written; check the profile's [settings] and [env]",
            )
    return PlannedFile(current, fragment, replace(plan, notes=(*plan.notes, *_mode_notes(current, fragment, plan))))


def _mode_notes(current: Current, fragment: Fragment, plan: FilePlan) -> list[str]:
    if not plan.changed:
        return []
    notes = []
    mode = current.snapshot.mode
    readable_by_all = current.target.readable_by_all
    after = written_mode(current.snapshot, fragment.secret, readable_by_all)
    if mode is not None and mode != after:
        why = "every local account must read it" if readable_by_all else "the file holds the virtual key"
        notes.append(f"mode {mode:04o} -> {after:04o}: {why}")
    if readable_by_all and fragment.secret:
        notes.append("readable by every local account: any user of this machine can read the virtual key in it")
    return notes


def prepare(layout: Layout, rendered: Rendered, targets: Sequence[Target], force: bool) -> list[PlannedFile]:
    """Read every target and plan it; writes nothing."""
    records = load_records(layout.state_dir)
    planned = []
    for target in targets:
        fragment = target.fragment(rendered)
        previous = records.get(str(target.path(layout)))
        current = read_current(target, target.path(layout), layout.home, _needed(target, fragment, previous))
        planned.append(plan_current(current, fragment, previous, rendered.profile, force))
    return planned


def _what_changes(changes: Sequence[Change]) -> set[tuple[str, str, str]]:
    return {(c.pointer, "remove" if c.action == "remove" else "set", digest(c.new)) for c in changes}


def _replan(item: PlannedFile, layout: Layout, previous: Record | None, profile: str, force: bool) -> PlannedFile:
    """Plan again on the file as it is now; Claude may have rewritten it since the plan was shown."""
    snapshot = read_snapshot(item.current.path, item.current.shown, known=item.current.snapshot.data)
    if snapshot.data is item.current.snapshot.data:  # the same bytes: the plan stands, no second parse
        return replace(item, current=replace(item.current, snapshot=snapshot))
    keep = _needed(item.current.target, item.fragment, previous)
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


def _merged_text(item: PlannedFile) -> str:
    """The merged text; encoded piece by piece as it is hashed and written (a 50 MB ~/.claude.json
    is not held a third time, as bytes)."""
    assert item.plan.after is not None
    return item.plan.after


def summarize_changes(planned: Sequence[PlannedFile]) -> dict[str, Any]:
    return {
        "changed": sum(1 for item in planned if item.plan.changed),
        "unchanged": sum(1 for item in planned if not item.plan.changed),
        "drift": sum(len(item.plan.drift) for item in planned),
    }
