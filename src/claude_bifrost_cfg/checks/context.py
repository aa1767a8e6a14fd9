"""What the local (file) checks read: the layout, cbcfg's records, the settings layers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..layers import Effective, Layer
from ..layout import Layout
from ..plan import Record
from ..profiles import Profile
from ..source import Source
from .base import CheckResult


@dataclass(frozen=True)
class LocalContext:
    layout: Layout
    records: Mapping[str, Record]
    layers: Sequence[Layer]
    effective: Mapping[str, Effective]  # key -> winner and what it shadows
    profile: Profile | None = None  # doctor --profile: check against a profile not yet applied
    source: Source | None = None

    def value(self, key: str) -> object | None:
        effective = self.effective.get(key)
        return effective.winner.value if effective and effective.winner else None


class LocalCheck(Protocol):
    """A local check: a module with these members, registered in `checks.local.LOCAL_CHECKS`."""

    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def network(self) -> bool: ...  # False

    def run(self, ctx: LocalContext) -> list[CheckResult]: ...
