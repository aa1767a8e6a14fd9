"""project-mcp: a project's .mcp.json Bifrost entry can connect: key variable set, approval state."""

from __future__ import annotations

import os

from ..engine import read_current
from ..errors import CbcfgError
from ..targets import ALL
from .base import CheckResult, Level
from .context import LocalContext

name = "project-mcp"
summary = "the project's .mcp.json Bifrost server will connect"
network = False

KEY_VARIABLE = "BIFROST_VIRTUAL_KEY"


def _approved(ctx: LocalContext, server: str) -> bool:
    user = next((layer for layer in ctx.layers if layer.name == "user"), None)
    if user is None:
        return False
    enabled = user.values.get("enabledMcpjsonServers")
    return user.values.get("enableAllProjectMcpServers") is True or (isinstance(enabled, list) and server in enabled)


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
    if _approved(ctx, server):
        rows.append(CheckResult(name, Level.OK, f"project MCP server {server!r} is approved in your user settings"))
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
