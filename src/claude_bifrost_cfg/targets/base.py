"""The one interface every target file shares, as data: its name, where it is (a path of the
layout, which knows every platform), its scope, which desired-state builder fills it, how it is checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..desired import Fragment
from ..layout import Layout, LayoutPath
from ..source import Source

Scope = Literal["user", "project", "system"]
# A check of what cbcfg owns in the merged document: returns problems as "pointer: message".
OwnedCheck = Callable[[dict[str, Any], Fragment], list[str]]


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    scope: Scope
    location: LayoutPath  # which of the layout's paths (per platform) the file is
    builder: Callable[[Source], Fragment]  # the fragment of the desired state, from desired.py
    check_owned: OwnedCheck
    settings_schema: bool = False  # validate the whole file against Claude Code's settings schema
    claude_lock: bool = False  # Claude Code rewrites this file itself; take its lock while writing
    by_name_only: bool = False  # never written unless asked for with --target
    readable_by_all: bool = False  # every local account must read it: 0644 (folders 0755), never 0600
    git_ignored: bool = False  # a personal file in a project: kept out of git, like Claude Code does
    brings: tuple[str, ...] = ()  # targets always planned with this one (one setting spread over files)

    def path(self, layout: Layout) -> Path:
        return layout.path_of(self.location)

    def fragment(self, source: Source) -> Fragment:
        return self.builder(source)
