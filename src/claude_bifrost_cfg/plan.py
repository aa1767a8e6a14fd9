"""The plan: a three-way merge of (what cbcfg wrote last time, what is on disk, what the profile wants).

Pure: documents and records in, new bytes and a list of changes out.
- set what is wanted, and restore what cbcfg set and the user deleted;
- leave a value the user changed since cbcfg set it (drift), unless forced;
- remove what cbcfg set before and no longer wants, unless the user changed it since (drift);
- never touch a key cbcfg did not set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .jsondoc import Document, Edit, Merged, edit_document, get_at, new_document_text, path_to_pointer, pointer_to_path
from .records import Record as Record  # re-exported: layers.py and checks/ import it from here

Action = Literal["add", "replace", "remove"]


def digest(value: Any) -> str:
    """What the ownership record keeps of a value: enough to detect a change, never the key itself."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # surrogatepass: a file may hold "\ud800" (valid JSON, a lone surrogate once decoded).
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Change:
    pointer: str
    action: Action
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class Drift:
    pointer: str
    reason: str


@dataclass(frozen=True)
class FilePlan:
    target: str
    before: bytes | None  # the file's bytes; None: the file does not exist
    after: bytes | None
    changes: tuple[Change, ...]
    drift: tuple[Drift, ...]
    record: Record
    notes: tuple[str, ...] = field(default=())
    restored: tuple[str, ...] = ()  # owned keys the user deleted, set again
    verbatim: tuple[tuple[str, int, int], ...] = ()  # top-level values of ``after`` copied from ``before``

    @property
    def merged(self) -> Merged | None:
        """``after`` for jsondoc.check_merged (which need not scan what was copied untouched)."""
        return Merged(self.after, self.verbatim) if self.after is not None else None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _missing_parents(document: Mapping[str, Any] | None, pointer: str) -> list[str]:
    parts = pointer_to_path(pointer)
    missing = []
    for depth in range(1, len(parts)):
        parent = path_to_pointer(parts[:depth])
        found, _ = get_at(document or {}, parent)
        if not found:
            missing.append(parent)
    return missing


def plan_file(
    target: str,
    profile: str,
    document: Document | None,
    values: Mapping[str, Any] | None,
    wanted: Mapping[str, Any],
    previous: Record | None,
    force: bool = False,
    notes: tuple[str, ...] = (),
) -> FilePlan:
    """Plan one file. ``values`` are the document's decoded top-level members that ``wanted`` and
    ``previous`` reach (the rest of a huge file is never decoded)."""
    before = document.data if document is not None else None
    earlier = dict(previous.owned) if previous is not None and document is not None else {}
    digests: dict[str, str] = {}  # what the new record keeps: pointer -> digest
    restored: list[str] = []
    edits: list[Edit] = []
    changes: list[Change] = []
    drift: list[Drift] = []
    containers = set(previous.containers if previous is not None and document is not None else ())
    created = set(previous.created if previous is not None and document is not None else ())

    for pointer, value in wanted.items():
        found, current = get_at(values or {}, pointer)
        want = digest(value)
        if found and digest(current) == want:
            digests[pointer] = want
            continue
        if pointer in earlier and not force and found and digest(current) != earlier[pointer]:
            # The user changed a value cbcfg set: theirs now. A deleted key is restored below
            # (running apply asks for the profile; the diff shows it back).
            drift.append(Drift(pointer, "changed since cbcfg set it; left alone (--force to overwrite)"))
            digests[pointer] = earlier[pointer]
            continue
        if pointer in earlier and not found:
            restored.append(pointer)
        containers.update(_missing_parents(values, pointer))
        if not found:
            created.add(pointer)
        edits.append(Edit(pointer, value))
        changes.append(Change(pointer, "replace" if found else "add", current if found else None, value))
        digests[pointer] = want

    for pointer, was in earlier.items():
        if pointer in wanted:
            continue
        found, current = get_at(values or {}, pointer)
        if not found:
            continue
        if digest(current) == was or force:
            edits.append(Edit(pointer, remove=True))
            changes.append(Change(pointer, "remove", current, None))
        else:
            drift.append(Drift(pointer, "changed since cbcfg set it and no longer wanted; left alone"))
            digests[pointer] = was

    verbatim: tuple[tuple[str, int, int], ...] = ()
    if not edits:
        after = before
    elif document is None:
        tree: dict[str, Any] = {}
        for edit in edits:
            if edit.remove:
                continue
            parts = pointer_to_path(edit.pointer)
            node = tree
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = edit.value
        after = new_document_text(tree)
    else:
        merged = edit_document(document, edits, prune=containers, order=wanted, anchors=containers | created)
        after, verbatim = merged.data, merged.verbatim
    kept_containers = tuple(sorted(c for c in containers if any(p.startswith(c + "/") for p in digests)))
    record = Record(target, profile, digests, kept_containers, tuple(sorted(p for p in created if p in digests)))
    said = tuple(f"restored: {pointer} deleted since cbcfg set it" for pointer in restored)
    return FilePlan(
        target, before, after, tuple(changes), tuple(drift), record, (*said, *notes), tuple(restored), verbatim
    )


def top_level_keys(*pointer_sets: Mapping[str, Any]) -> dict[str, None]:
    """The top-level members a plan needs decoded."""
    keys: dict[str, None] = {}
    for pointers in pointer_sets:
        for pointer in pointers:
            parts = pointer_to_path(pointer)
            if parts:
                keys[parts[0]] = None
    return keys


def drift_against(record: Record, values: Mapping[str, Any] | None) -> tuple[Drift, ...]:
    """Keys cbcfg set that are not as it left them (changed by hand, or by Claude)."""
    drift = []
    for pointer, was in record.owned.items():
        found, current = get_at(values or {}, pointer)
        if not found:
            drift.append(Drift(pointer, "removed since cbcfg set it"))
        elif digest(current) != was:
            drift.append(Drift(pointer, "changed since cbcfg set it"))
    return tuple(drift)
