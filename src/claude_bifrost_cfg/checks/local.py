"""The local checks, in the order doctor shows them."""

from __future__ import annotations

from collections.abc import Sequence

from . import (
    desktop_gateway,
    desktop_mcp,
    effective_settings,
    first_run,
    key_exposure,
    key_format,
    key_mode,
    opus_pin,
    project_mcp,
    target_files,
)
from .base import CheckResult, Level
from .context import LocalCheck, LocalContext

LOCAL_CHECKS: tuple[LocalCheck, ...] = (
    target_files,
    effective_settings,
    key_format,
    key_mode,
    first_run,
    opus_pin,
    key_exposure,
    desktop_mcp,
    desktop_gateway,
    project_mcp,
)


def run_local_checks(ctx: LocalContext, checks: Sequence[LocalCheck] = LOCAL_CHECKS) -> list[CheckResult]:
    rows: list[CheckResult] = []
    for check in checks:
        try:
            rows.extend(check.run(ctx))
        except Exception as exc:  # one broken check must not hide the others
            rows.append(
                CheckResult(
                    check.name, Level.ERROR, f"check crashed: {type(exc).__name__}: {exc}", "please report this"
                )
            )
    return rows
