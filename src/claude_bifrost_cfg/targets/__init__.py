"""The files cbcfg writes: one module each, all sharing ``base.Target``. This registry is the one
list of target names (in the order cbcfg plans and reports them)."""

from __future__ import annotations

from . import (
    code,
    code_local,
    code_mcp,
    code_project,
    desktop,
    desktop_gateway,
    desktop_library,
    managed,
    managed_dropin,
    project_mcp,
)
from .base import Target

ALL: dict[str, Target] = {
    module.TARGET.name: module.TARGET
    for module in (
        code,
        code_project,
        code_local,
        desktop_gateway,
        desktop_library,
        desktop,
        code_mcp,
        project_mcp,
        managed,
        managed_dropin,
    )
}
NAMES: tuple[str, ...] = tuple(ALL)


def get_target(name: str) -> Target:
    return ALL[name]
