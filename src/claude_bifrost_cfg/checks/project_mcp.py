"""project-mcp: a project's .mcp.json Bifrost entry can connect: key variable set, approval state."""

from __future__ import annotations

import os

from ..current import read_current
from ..errors import CbcfgError
from ..layers import Layer
from ..targets import ALL
from .base import CheckResult, Level
from .context import LocalContext

name = "project-mcp"
summary = "the project's .mcp.json Bifrost server will connect"
network = False

KEY_VARIABLE = "BIFROST_VIRTUAL_KEY"


def _approves(layer: Layer | None, server: str) -> bool:
    if layer is None:
        return False
    enabled = layer.values.get("enabledMcpjsonServers")
    return layer.values.get("enableAllProjectMcpServers") is True or (isinstance(enabled, list) and server in enabled)


def _layer(ctx: LocalContext, layer_name: str) -> Layer | None:
    return next((layer for layer in ctx.layers if layer.name == layer_name), None)


def _folder_trusted(ctx: LocalContext) -> bool:
    """Whether this project's trust dialog was accepted (~/.claude.json projects["<abs path>"]): Claude
    Code ignores an approval in the project's own settings until then (observed)."""
    try:
        current = read_current(ALL["code-mcp"], ctx.layout.claude_json, ctx.layout.home, {"projects": None})
    except CbcfgError:
        return False
    projects = current.document.values.get("projects") if current.document else None
    entry = projects.get(str(ctx.layout.project)) if isinstance(projects, dict) else None
    return isinstance(entry, dict) and entry.get("hasTrustDialogAccepted") is True


def _key_variable_set(ctx: LocalContext) -> bool:
    if os.environ.get(KEY_VARIABLE):
        return True
    for layer in ctx.layers:
        env = layer.values.get("env")
        if isinstance(env, dict) and env.get(KEY_VARIABLE):
            return True
    return False


def run(ctx: LocalContext) -> list[CheckResult]:
    target = ALL["project-mcp"]
    server = ctx.profile.mcp_name if ctx.profile else "bifrost"
    try:
        current = read_current(target, target.path(ctx.layout), ctx.layout.home, {"mcpServers": None})
    except CbcfgError:
        return []  # the files check reports it
    servers = current.document.values.get("mcpServers") if current.document else None
    entry = servers.get(server) if isinstance(servers, dict) else None
    if not isinstance(entry, dict):
        return []
    rows = []
    if f"${{{KEY_VARIABLE}" in str(entry.get("headers", "")) and not _key_variable_set(ctx):
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                f"{current.shown} sends Bearer ${{{KEY_VARIABLE}}}, but "
                f"{KEY_VARIABLE} is set neither in this environment nor in a settings env",
                f"export {KEY_VARIABLE}=sk-bf-… where Claude Code runs",
            )
        )
    local = _layer(ctx, "project-local")
    if _approves(_layer(ctx, "user"), server):
        rows.append(CheckResult(name, Level.OK, f"project MCP server {server!r} is approved in your user settings"))
    elif local is not None and _approves(local, server) and _folder_trusted(ctx):
        rows.append(
            CheckResult(name, Level.OK, f"project MCP server {server!r} is approved in {local.shown} (folder trusted)")
        )
    elif local is not None and _approves(local, server):
        rows.append(
            CheckResult(
                name,
                Level.INFO,
                f"project MCP server {server!r} is approved in {local.shown}, but Claude Code ignores that "
                "file until you accept this folder's trust dialog",
                "start claude in this project once and accept the trust dialog",
            )
        )
    else:
        rows.append(
            CheckResult(
                name,
                Level.INFO,
                f"project MCP server {server!r} waits for your approval in "
                "interactive Claude Code (claude -p uses it at once); cbcfg does not approve it for "
                f"you: approving {server!r} by name would also trust that name in any other repository",
                "approve it when Claude Code asks, in this project",
            )
        )
    return rows
