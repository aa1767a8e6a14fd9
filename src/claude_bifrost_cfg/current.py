"""The current state: every target file as it is now, read and parsed, and planned against the
desired state. Reads only; the transaction writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .desired import Fragment, holds_key, key_written_at
from .errors import BadFileError, RefusedError
from .first_run import CLIENT_MEMBERS
from .fsio import Snapshot, read_snapshot, written_mode
from .jsondoc import (
    Document,
    JsonDocError,
    Merged,
    NotUtf8Error,
    check_merged,
    get_at,
    parse_document,
    path_to_pointer,
    pointer_to_path,
)
from .layout import Layout, display_path
from .plan import FilePlan, digest, plan_file, top_level_keys
from .records import Record
from .source import Source
from .targets.base import Target
from .transaction import load_records
from .validate import problems_added


@dataclass(frozen=True)
class Current:
    """One target file as it is now."""

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


def _parse(data: bytes, shown: str, keep: dict[str, None] | None) -> Document:
    try:
        return parse_document(data, keep)
    except NotUtf8Error as exc:
        raise BadFileError(f"{shown}: {exc}", "save the file as UTF-8") from None
    except JsonDocError as exc:
        raise BadFileError(f"{shown}: {exc}", "fix the JSON (or move the file away), then run again") from None


def _check_merged(merged: Merged, shown: str, keep: dict[str, None] | None) -> dict[str, Any]:
    """The merged file's kept members; its untouched members are not scanned again (a 50 MB
    ~/.claude.json is not viewed a second time while its old and new bytes are both held)."""
    try:
        return check_merged(merged, keep)
    except JsonDocError as exc:
        raise BadFileError(f"{shown}: {exc}", "fix the JSON (or move the file away), then run again") from None


def read_current(target: Target, path: Path, home: Path, keep: dict[str, None] | None) -> Current:
    """Read and parse a target file. ``keep``: top-level members to decode (None: all)."""
    shown = display_path(path, home)
    snapshot = read_snapshot(path, shown)
    document = None
    if snapshot.data is not None:
        document = _parse(snapshot.data, shown, keep)
    return Current(target, path, shown, snapshot, document)


def needed_members(target: Target, fragment: Fragment, previous: Record | None) -> dict[str, None] | None:
    if target.settings_schema:
        return None  # small files, validated whole against the settings schema
    needed = top_level_keys(fragment.wanted, previous.owned if previous else {})
    if target.location == "claude_json":
        # The client's own members too (small): apply's first-run note reads them from this plan
        # rather than reading a 50 MB ~/.claude.json a second time (first_run.apply_notes).
        needed |= CLIENT_MEMBERS
    return needed


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
            fragment.wanted,
            previous,
            force,
            fragment.notes,
        )
    except JsonDocError as exc:
        raise BadFileError(f"{current.shown}: {exc}", "fix or remove that key by hand, then run again") from None
    if plan.changed and plan.merged is not None:  # the merged bytes must parse
        keep = needed_members(current.target, fragment, previous)
        after = _check_merged(plan.merged, current.shown, keep)
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


def prepare(layout: Layout, source: Source, targets: Sequence[Target], force: bool) -> list[PlannedFile]:
    """Read every target and plan it; writes nothing."""
    records = load_records(layout.state_dir)
    planned = []
    for target in targets:
        fragment = target.fragment(source)
        previous = records.get(str(target.path(layout)))
        current = read_current(target, target.path(layout), layout.home, needed_members(target, fragment, previous))
        planned.append(plan_current(current, fragment, previous, source.profile, force))
    return planned


@dataclass(frozen=True)
class KeyInPlace:
    """The virtual key cbcfg wrote earlier and finds where it left it: the user's key until they
    give another one or ask for it to be removed."""

    key: str
    shown: str  # the file it was found in


def key_in_place(layout: Layout, targets: Sequence[Target]) -> KeyInPlace | None:
    """The key in the files cbcfg owns, as it wrote it (a value changed by hand is not taken):
    the chosen targets' files first, then any other file cbcfg wrote."""
    from .targets import ALL

    records = load_records(layout.state_dir)
    chosen = [str(target.path(layout)) for target in targets]
    for path in dict.fromkeys([*chosen, *records]):
        record = records.get(path)
        target = ALL.get(record.target) if record else None
        if record is None or target is None:
            continue
        pointers = [pointer for pointer in record.owned if _may_hold_key(pointer)]
        if not pointers:
            continue
        current = read_current(target, Path(path), layout.home, top_level_keys(dict.fromkeys(pointers)))
        values = current.document.values if current.document else {}
        for pointer in pointers:
            found, value = get_at(values, pointer)
            key = _key_within(pointer, value) if found else None
            if key and digest(value) == record.owned[pointer]:
                return KeyInPlace(key, current.shown)
    return None


def _may_hold_key(pointer: str) -> bool:
    """A key place, or an owned value with key places inside (an MCP entry is owned whole)."""
    return holds_key(pointer) or pointer_to_path(pointer)[:1] == ("mcpServers",)


def _key_within(pointer: str, value: Any) -> str | None:
    """The key written at ``pointer`` or anywhere inside the value there."""
    key = key_written_at(pointer, value)
    if key or not isinstance(value, dict):
        return key
    for name, item in value.items():
        key = _key_within(path_to_pointer((*pointer_to_path(pointer), name)), item)
        if key:
            return key
    return None
