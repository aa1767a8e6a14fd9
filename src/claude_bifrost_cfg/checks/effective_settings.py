"""settings: the winning value of each setting Claude Code reads, and where a layer overrides cbcfg."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import urlsplit

from ..layers import ENV_KEYS, is_present, source_behavior
from ..layout import Platform, display_path
from .base import CheckResult, Level
from .context import LocalContext

name = "settings"
summary = "which layer's ANTHROPIC_* values Claude Code will use"
network = False


def run(ctx: LocalContext) -> list[CheckResult]:
    from .login import login_settings

    rows: list[CheckResult] = []
    base = ctx.effective.get("ANTHROPIC_BASE_URL")
    login = login_settings(ctx.layers)
    if (base is None or base.winner is None) and login.required:
        rows.append(
            CheckResult(
                name,
                Level.OK,
                f"Claude Code signs in to the gateway at {login.gateway_url or '(asked at /login)'} "
                f"(forceLoginMethod from {login.where}): no ANTHROPIC_BASE_URL is needed",
            )
        )
    elif base is None or base.winner is None:
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
    rows += managed_sources(ctx)
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


_SOURCE_NAMES = {
    "server-managed": "server-managed (cached)",
    "mdm": "MDM",
    "file": "managed file",
    "hkcu": "HKCU policy",
}


def managed_sources(ctx: LocalContext) -> list[CheckResult]:
    """Where a source other than the managed files exists, or one is ignored: which the client uses
    (``managedSourcesBehavior``), and a warning for each ignored one that holds what cbcfg (or any
    gateway set-up) wrote — "your managed-settings.json is ignored: a configuration profile …"."""
    managed = [layer for layer in ctx.layers if layer.source is not None and layer.exists]
    used = [layer for layer in managed if layer.ignored is None and is_present(layer)]
    ignored = [layer for layer in managed if layer.ignored is not None]
    if not ignored and all(layer.source == "file" for layer in managed):
        return []  # the files alone: the rows above already name them
    applying = ", ".join(f"{_SOURCE_NAMES[layer.source or 'file']} {layer.shown}" for layer in used) or "none"
    rows = [
        CheckResult(
            name,
            Level.INFO,
            f"managed settings (managedSourcesBehavior {source_behavior(managed)}): from {applying}"
            + (f"; {len(ignored)} source(s) ignored" if ignored else ""),
        )
    ]
    for layer in ignored:
        record = ctx.records.get(str(layer.path)) if layer.path is not None else None
        env = layer.values.get("env")
        gateway_keys = sorted(key for key in ENV_KEYS if isinstance(env, dict) and key in env)
        if record is not None and record.owned:
            lost = f"what cbcfg wrote there (profile {record.profile}) does not apply"
            profile = record.profile
        elif gateway_keys:  # written by another account's cbcfg (root's records), or by hand
            lost = f"its {', '.join(gateway_keys)} do not apply"
            profile = "PROFILE"
        else:
            continue
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                f"your {layer.shown} is ignored: {layer.ignored}; {lost}",
                f"deliver the profile through the source that applies (cbcfg export {profile} --format "
                'mobileconfig|reg), or set managedSourcesBehavior "merge" there',
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
        if layer.source != "file" or layer.path is None or not layer.exists:  # not the plist, .reg or cache
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
