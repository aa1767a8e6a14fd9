"""The one interface every target file shares: where it is, what a profile puts there, how it is checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..layout import Layout
from ..render import Fragment, Rendered

Scope = Literal["user", "project", "system"]
# A check of what cbcfg owns in the merged document: returns problems as "pointer: message".
OwnedCheck = Callable[[dict[str, Any], Fragment], list[str]]


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    scope: Scope
    path: Callable[[Layout], Path]
    fragment: Callable[[Rendered], Fragment]
    check_owned: OwnedCheck
    settings_schema: bool = False  # validate the whole file against Claude Code's settings schema
    claude_lock: bool = False  # Claude Code rewrites this file itself; take its lock while writing
    by_name_only: bool = False  # never written unless asked for with --target
    readable_by_all: bool = False  # every local account must read it: 0644 (folders 0755), never 0600
