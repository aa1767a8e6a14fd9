"""A plan with its bytes as text, for assertions that compare it with the text a test wrote."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from claude_bifrost_cfg.plan import FilePlan


@dataclass(frozen=True)
class TextPlan:
    """``plan``'s before/after decoded (jsondoc works in UTF-8 bytes); every other field is the plan's."""

    plan: FilePlan
    before: str | None
    after: str | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.plan, name)


def as_text(plan: FilePlan) -> TextPlan:
    def decode(data: bytes | None) -> str | None:
        return data.decode("utf-8") if data is not None else None

    return TextPlan(plan, decode(plan.before), decode(plan.after))
