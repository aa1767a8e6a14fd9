"""settings: the winning value of each setting Claude Code reads, and where a layer overrides cbcfg."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import urlsplit

from ..layout import Platform, display_path
from .base import CheckResult, Level
from .context import LocalContext

name = "settings"
summary = "which layer's ANTHROPIC_* values Claude Code will use"
network = False


def run(ctx: LocalContext) -> list[CheckResult]:
    rows: list[CheckResult] = []
    base = ctx.effective.get("ANTHROPIC_BASE_URL")
    if base is None or base.winner is None:
        rows.append(
            CheckResult(
                name,
                Level.FAILED,
                "Claude Code will not use Bifrost: no layer sets ANTHROPIC_BASE_URL",
                f"cbcfg apply {ctx.profile.name}" if ctx.profile else "cbcfg apply local (or your profile)",
            )
        )
    else:
        value = str(base.winner.value)
        where = base.winner.where
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            rows.append(
                CheckResult(
                    name,
                    Level.FAILED,
                    f"ANTHROPIC_BASE_URL = {value} ({where}) is not an http:// or https:// URL: "
                    "Claude Code cannot use it",
                    "set it to <gateway>/anthropic, e.g. http://localhost:8080/anthropic (cbcfg apply <profile>)",
                )
            )
        elif not value.rstrip("/").endswith("/anthropic"):
            rows.append(
                CheckResult(
                    name,
                    Level.WARNING,
                    f"ANTHROPIC_BASE_URL = {value} ({where}) is not a Bifrost /anthropic route",
                    "point it at <gateway>/anthropic, e.g. cbcfg apply local",
                )
            )
        else:
            rows.append(CheckResult(name, Level.OK, f"ANTHROPIC_BASE_URL = {value} (from {where})"))
    for key, effective in ctx.effective.items():
        for shadowed in effective.overrides_cbcfg:
            winner = effective.winner
            assert winner is not None
            rows.append(
                CheckResult(
                    name,
                    Level.WARNING,
                    f"{key}: the {winner.layer} layer ({winner.shown}) overrides what cbcfg wrote in {shadowed.shown} "
                    f"(profile {shadowed.set_by_cbcfg})",
                    f"remove {key} from {winner.shown}, or apply the profile to that layer (cbcfg explain {key})",
                )
            )
    if ctx.source is not None:
        for key, wanted in ctx.source.env(with_key=False).items():
            actual = ctx.value(key)
            if actual is not None and actual != wanted:
                winning = ctx.effective.get(key)
                source = winning.winner.shown if winning and winning.winner else "?"
                rows.append(
                    CheckResult(
                        name,
                        Level.WARNING,
                        f"{key}: Claude Code will use {actual!r} from {source}, not the profile's {wanted!r}",
                        f"cbcfg explain {key}",
                    )
                )
    rows += managed_access(ctx)
    for layer in ctx.layers:
        if layer.error:
            rows.append(
                CheckResult(
                    name,
                    Level.FAILED,
                    f"cannot read the {layer.name} layer: {layer.error}",
                    "fix the JSON; Claude Code ignores a file it cannot parse",
                )
            )
    return rows


def managed_access(ctx: LocalContext) -> list[CheckResult]:
    """Managed settings govern every local account, and Claude Code runs as that account: a managed
    file others cannot read (or a folder they cannot enter) is skipped silently by the client, and
    the user's own settings win. Judged for those users, also when doctor runs as root."""
    if ctx.layout.platform is Platform.WINDOWS or os.name == "nt":
        return []
    rows: list[CheckResult] = []
    folder = ctx.layout.managed_dir
    drop_ins = folder / "managed-settings.d"
    for path, needed, what in ((folder, stat.S_IXOTH, "enter"), (drop_ins, stat.S_IXOTH | stat.S_IROTH, "list")):
        mode = _mode(path)
        if mode is not None and stat.S_ISDIR(mode) and mode & needed != needed:
            shown = display_path(path, ctx.layout.home)
            rows.append(
                CheckResult(
                    name,
                    Level.FAILED,
                    f"{shown} (mode {stat.S_IMODE(mode):04o}): other users cannot {what} it, so Claude Code, "
                    "running as them, reads no managed settings from it and their own settings win",
                    f"chmod 0755 {shown}",
                )
            )
    for layer in ctx.layers:
        if layer.name != "managed" or layer.path is None or not layer.exists:
            continue
        mode = _mode(layer.path)
        if mode is not None and not mode & stat.S_IROTH:
            rows.append(
                CheckResult(
                    name,
                    Level.FAILED,
                    f"{layer.shown} (mode {stat.S_IMODE(mode):04o}) is not readable by other users: Claude Code, "
                    "running as them, skips it silently and their own settings win",
                    f"chmod 0644 {layer.shown}",
                )
            )
    return rows


def _mode(path: Path) -> int | None:
    try:
        return os.stat(path).st_mode  # a symbolic link is judged by what it points at, as the client reads it
    except OSError:
        return None
