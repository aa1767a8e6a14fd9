"""``cbcfg key set|status|rm``: the virtual key wherever the profile's key mode keeps it.

- helper mode: the key store (the OS keyring, or the 0600 fallback file); Claude Code's
  apiKeyHelper reads it at every refresh, so a rotation needs no apply and no restart.
- key and header modes: the settings files; a rotation re-applies the profile through the workflow
  (one transaction, backed up) to every file the key is in.
- login mode: no key on the machine; there is nothing to set.

The key is read from standard input or a hidden prompt, never from the command line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import NotFoundError, RefusedError, UsageError
from ..keystore import (
    Applied,
    applied_profiles,
    choose_store,
    delete_key,
    drop_key_from_backups,
    files_holding,
    known_entries,
    stored_key,
    write_key,
)
from ..layout import Layout, display_path
from ..output import Printer, emit_json, notice, register_secret
from ..secrets import KEY_PREFIX, looks_like_bifrost_key, mask_key
from ..transaction import load_records
from .common import ROOT_OPTIONS, RootOptions, root_options, sources

_PROFILE = click.option("--profile", "-p", metavar="NAME", help="The profile [default: the one cbcfg applied].")


@click.group()
def key() -> None:
    """The virtual key where the profile's key mode keeps it: set (rotate), status, rm."""


def _from_root(roots: RootOptions) -> RootOptions:
    """Root options given before ``key`` (``cbcfg --home DIR key status``): the root group is two
    levels up here, where ``merged_root_options`` looks one level up."""
    from dataclasses import replace

    from click.core import ParameterSource

    root = click.get_current_context().find_root()
    child = click.get_current_context()
    given = {
        name: root.params[name]
        for name in ROOT_OPTIONS
        if root.get_parameter_source(name) is ParameterSource.COMMANDLINE
        and child.get_parameter_source(name) is not ParameterSource.COMMANDLINE
    }
    return replace(roots, **given) if given else roots


def _choose_profile(layout: Layout, given: str | None) -> tuple[str, Applied | None]:
    applied = applied_profiles(load_records(layout.state_dir))
    if given is not None:
        return given, applied.get(given)
    if len(applied) == 1:
        name = next(iter(applied))
        return name, applied[name]
    if not applied:
        raise UsageError("no profile applied yet, so none to choose", "pass --profile NAME")
    raise UsageError(f"several profiles are applied ({', '.join(sorted(applied))})", "pass --profile NAME")


def _read_new_key() -> str:
    """From standard input (a pipe), else a hidden prompt on the terminal."""
    from ..inputs import check_key

    if sys.stdin.isatty():
        typed = click.prompt("Virtual key (hidden)", hide_input=True, err=True, default="", show_default=False)
    else:
        typed = sys.stdin.readline()
    register_secret(typed.strip())
    if not typed.strip():
        raise RefusedError(
            "no virtual key given", f"pipe it in (e.g. from your password manager) or type it: {KEY_PREFIX}…"
        )
    new = check_key(typed)
    if not looks_like_bifrost_key(new):
        raise RefusedError(
            f"that is not a Bifrost virtual key (they start with {KEY_PREFIX})",
            "copy the virtual key from Bifrost's dashboard (Governance → Virtual Keys)",
        )
    return new


@key.command("set", short_help="Set or rotate the key, everywhere its mode keeps it.")
@_PROFILE
@root_options
def set_key(roots: RootOptions, profile: str | None) -> None:
    """Set or rotate the key: every place the profile's key mode keeps it, in one step."""
    roots = _from_root(roots)
    layout = roots.layout()
    name, applied = _choose_profile(layout, profile)
    mode = applied.mode if applied else None
    if mode == "login":
        raise RefusedError(
            f"profile {name!r} is in login mode: Claude Code signs in to the gateway, no key is kept here",
            f"to use a key instead: cbcfg apply {name} --key-mode helper",
        )
    new = _read_new_key()
    report: dict[str, Any] = {"command": "key set", "profile": name, "mode": mode, "key": mask_key(new)}
    if mode in ("key", "header") and applied is not None:
        from ..current import key_in_place
        from ..targets import ALL

        old = key_in_place(layout, [ALL[t] for t in applied.targets if t in ALL])
        result = _reapply(layout, roots, name, applied, new)
        if old is not None and old.key != new:
            register_secret(old.key)
            drop_key_from_backups(layout.state_dir, old.key)  # a rotated key leaves the disk entirely
        holding = [display_path(Path(p), layout.home) for p in files_holding(applied.key_files, new)]
        report.update(files=holding, backup_set=result)
        said = f"Rotated the key of profile {name!r} ({mask_key(new)}) in {len(holding)} file(s): {', '.join(holding)}"
        said += f"; backup set {result}." if result else "."
    else:
        found = stored_key(layout.state_dir, name)
        store = choose_store(layout.state_dir, os.environ, layout.home)
        if found is not None and found[0] != store.kind:
            store = choose_store(layout.state_dir, {"CBCFG_KEY_STORE": found[0]}, layout.home)
        write_key(store, layout.state_dir, name, new)
        report.update(store=store.kind, backend=store.backend)
        said = f"Stored the key of profile {name!r} ({mask_key(new)}) in {store.describe()}."
        if mode == "helper":
            said += " Claude Code picks it up at its next key refresh (within a minute), no restart."
        else:
            said += f" To use it: cbcfg apply {name} --key-mode helper"
    if roots.json_output:
        emit_json(report)
    else:
        Printer().line(said, "green")


def _reapply(layout: Layout, roots: RootOptions, name: str, applied: Applied, new: str) -> str | None:
    """key and header modes: the profile applied again with the new key, to the targets it is in."""
    from ..workflow import apply_profile, build_request

    gateway_url, desktop_form = _as_applied(layout, applied)
    request = build_request(
        name,
        layout,
        sources(layout, roots.profiles_dir),
        key=new,
        targets=applied.targets,
        gateway_url=gateway_url,
        desktop_mcp=desktop_form,
        allow_insecure=True,  # the URL is the one applied before, already accepted then
        key_mode=applied.mode,
    )
    result = apply_profile(request, on_wait=notice)
    return result.backup_set


def _as_applied(layout: Layout, applied: Applied) -> tuple[str | None, str]:
    """The gateway URL and the Desktop MCP form the profile was applied with, read from its files."""
    from ..current import read_current
    from ..jsondoc import get_at
    from ..targets import ALL

    records = load_records(layout.state_dir)
    url, form = None, "url"
    for path, record in records.items():
        if record.profile != applied.profile or record.target not in ALL:
            continue
        current = read_current(ALL[record.target], Path(path), layout.home, None)
        values = current.document.values if current.document else {}
        found, base = get_at(values, "/env/ANTHROPIC_BASE_URL")
        if found and isinstance(base, str) and url is None:
            url = base.rstrip("/").removesuffix("/anthropic")
        for pointer in record.owned:
            if record.target == "desktop" and pointer.startswith("/mcpServers/"):
                found, entry = get_at(values, pointer)
                if found and isinstance(entry, dict) and "command" in entry:
                    form = "bridge"
    return url, form


@key.command("status", short_help="Per profile: mode, store, masked key, last change.")
@_PROFILE
@root_options
def status(roots: RootOptions, profile: str | None) -> None:
    """Per profile: its key mode, which store holds the key, the key masked, its last change."""
    roots = _from_root(roots)
    layout = roots.layout()
    applied = applied_profiles(load_records(layout.state_dir))
    entries = known_entries(layout.state_dir)
    names = [profile] if profile else sorted(set(applied) | set(entries))
    rows = [_status_row(layout, name, applied.get(name), entries.get(name, {})) for name in names]
    if roots.json_output:
        emit_json({"command": "key status", "profiles": rows})
        return
    printer = Printer()
    if not rows:
        printer.line("No key kept by cbcfg: no profile applied, nothing in the key store.")
        return
    printer.table(
        ["profile", "mode", "store", "key", "changed"],
        [[r["profile"], r["mode"] or "-", r["store"] or "-", r["key"] or "-", r["changed"] or "-"] for r in rows],
    )


def _status_row(layout: Layout, name: str, applied: Applied | None, entry: dict[str, Any]) -> dict[str, Any]:
    mode = applied.mode if applied else None
    row: dict[str, Any] = {"profile": name, "mode": mode, "store": None, "backend": None, "key": None, "changed": None}
    if mode in ("key", "header") and applied is not None:
        from ..current import key_in_place
        from ..targets import ALL

        targets = [ALL[t] for t in applied.targets if t in ALL]
        found = key_in_place(layout, targets)
        shown = [display_path(Path(p), layout.home) for p in applied.key_files]
        row.update(store="settings", backend=", ".join(shown), files=shown)
        if found is not None:
            register_secret(found.key)
            row["key"] = mask_key(found.key)
        times = [os.stat(p).st_mtime for p in applied.key_files if os.path.exists(p)]
        if times:
            from datetime import UTC, datetime

            row["changed"] = datetime.fromtimestamp(max(times), UTC).isoformat(timespec="seconds")
        return row
    if mode == "login":
        row.update(store="none", backend="Claude Code's own sign-in (~/.claude/.credentials.json)")
        return row
    stored = stored_key(layout.state_dir, name)
    if stored is not None:
        register_secret(stored[1])
        row.update(store=stored[0], backend=entry.get("backend"), key=mask_key(stored[1]), changed=entry.get("changed"))
    return row


@key.command("rm", short_help="Remove the key from everywhere its mode keeps it.")
@_PROFILE
@root_options
def remove(roots: RootOptions, profile: str | None) -> None:
    """Remove the key from every place the profile's key mode keeps it."""
    roots = _from_root(roots)
    layout = roots.layout()
    name, applied = _choose_profile(layout, profile)
    removed = delete_key(layout.state_dir, name)
    report: dict[str, Any] = {"command": "key rm", "profile": name, "removed_from": list(removed)}
    if applied is not None and applied.mode in ("key", "header") and applied.key_files:
        from ..workflow import apply_profile, build_request

        gateway_url, form = _as_applied(layout, applied)
        request = build_request(
            name,
            layout,
            sources(layout, roots.profiles_dir),
            key=None,
            targets=applied.targets,
            gateway_url=gateway_url,
            desktop_mcp=form,
            allow_insecure=True,
            remove_key=True,
            key_mode=applied.mode,
        )
        result = apply_profile(request, on_wait=notice)
        report["removed_from"].append("settings")
        report["backup_set"] = result.backup_set
    if not report["removed_from"]:
        raise NotFoundError(f"no key of profile {name!r} to remove", "see cbcfg key status")
    if roots.json_output:
        emit_json(report)
    else:
        Printer().line(f"Removed the key of profile {name!r} from: {', '.join(report['removed_from'])}.", "green")
        if applied is not None and applied.mode == "helper":
            Printer().line(f"Claude Code now has no key: cbcfg key set --profile {name} to give it one.", "yellow")
