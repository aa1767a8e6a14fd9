"""key-exposure: files holding a key are private (0600), and no key sits in a git-tracked file."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path
from typing import Any

from ..fsio import read_snapshot
from ..layout import display_path
from ..targets import ALL
from .base import CheckResult, Level
from .context import LocalContext

name = "key-exposure"
summary = "files holding a key are private and not committed"
network = False

_SECRET_ENV = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "BIFROST_VIRTUAL_KEY")


def holds_literal_key(document: dict[str, Any]) -> bool:
    desktop_key = document.get("inferenceGatewayApiKey")  # Claude Desktop's gateway configuration
    if isinstance(desktop_key, str) and desktop_key not in ("", "no-virtual-key") and "${" not in desktop_key:
        return True
    env = document.get("env")
    if isinstance(env, dict) and any(
        isinstance(env.get(k), str) and env[k] and "${" not in env[k] for k in _SECRET_ENV
    ):
        return True
    servers = document.get("mcpServers")
    if isinstance(servers, dict):
        for entry in servers.values():
            if not isinstance(entry, dict):
                continue
            headers = entry.get("headers")
            if isinstance(headers, dict) and any(
                isinstance(v, str) and v.startswith("Bearer ") and "${" not in v for v in headers.values()
            ):
                return True
            entry_env = entry.get("env")
            if isinstance(entry_env, dict) and any(
                isinstance(v, str) and v.startswith("Bearer ") for v in entry_env.values()
            ):
                return True
    return False


def _tracked_by_git(path: Path) -> bool:
    try:
        result = subprocess.run(
            ["git", "-C", str(path.parent), "ls-files", "--error-unmatch", "--", path.name],
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def _files(ctx: LocalContext) -> list[tuple[Path, str]]:
    paths: dict[str, tuple[Path, str]] = {}
    for target in ALL.values():
        path = target.path(ctx.layout)
        paths[str(path)] = (path, target.scope)
    for recorded, record in ctx.records.items():
        scope = ALL[record.target].scope if record.target in ALL else "user"
        paths.setdefault(recorded, (Path(recorded), scope))
    return list(paths.values())


def run(ctx: LocalContext) -> list[CheckResult]:
    from ..jsondoc import JsonDocError, parse_document

    rows = []
    checked = 0
    for path, scope in _files(ctx):
        shown = display_path(path, ctx.layout.home)
        try:
            snapshot = read_snapshot(path, shown)
            if snapshot.data is None:
                continue
            keep = {"env": None, "mcpServers": None, "inferenceGatewayApiKey": None}
            document = parse_document(snapshot.data, keep).values  # bytes: no 4-byte str of a big file
        except (Exception, JsonDocError):  # unreadable files are the files check's to report
            continue
        if not holds_literal_key(document):
            continue
        checked += 1
        mode = snapshot.mode or 0
        if scope != "system" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            rows.append(
                CheckResult(
                    name,
                    Level.FAILED,
                    f"{shown} holds a key and is readable by others (mode {mode:04o})",
                    f"chmod 600 {shown}",
                )
            )
        if scope == "project" and _tracked_by_git(path):
            rows.append(
                CheckResult(
                    name,
                    Level.FAILED,
                    f"{shown} holds a key and is tracked by git",
                    "move the key to .claude/settings.local.json or use ${BIFROST_VIRTUAL_KEY}; "
                    "rotate the key if it was pushed",
                )
            )
    if not rows:
        rows.append(
            CheckResult(
                name,
                Level.OK,
                f"{checked} file(s) hold a key; all private, none committed"
                if checked
                else "no file holds a key in plain text",
            )
        )
    return rows
