"""How a plan is shown: the diff per file (human) and the documented JSON shape (scripts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..current import PlannedFile
from ..output import Printer, redact_value


def file_action(item: PlannedFile) -> str:
    if not item.plan.changed:
        return "unchanged"
    return "create" if item.plan.before is None else "update"


def plan_json(planned: Sequence[PlannedFile]) -> list[dict[str, Any]]:
    return [
        {
            "target": item.current.target.name,
            "path": item.current.shown,
            "action": file_action(item),
            "changes": [
                {
                    "pointer": change.pointer,
                    "action": change.action,
                    "old": redact_value(change.pointer, change.old),
                    "new": redact_value(change.pointer, change.new),
                }
                for change in item.plan.changes
            ],
            "drift": [{"pointer": d.pointer, "reason": d.reason} for d in item.plan.drift],
            "notes": list(item.plan.notes),
        }
        for item in planned
    ]


def print_plan(printer: Printer, planned: Sequence[PlannedFile], show_diff: bool = True) -> None:
    for item in planned:
        action = file_action(item)
        count = len(item.plan.changes)
        detail = f"{action}, {count} change{'s' if count != 1 else ''}" if item.plan.changed else action
        printer.line(f"{item.current.shown} ({item.current.target.name}): {detail}", "bold")
        if show_diff and item.plan.changed:
            printer.diff(item.plan.before, item.plan.after, item.current.shown)
        for drift in item.plan.drift:
            printer.line(f"  drift: {drift.pointer} {drift.reason}", "yellow")
        for note in item.plan.notes:
            printer.line(f"  note: {note}", "dim")
