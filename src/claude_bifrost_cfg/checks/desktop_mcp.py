"""desktop-mcp: the form of Claude Desktop's Bifrost MCP entry, with the known caveat."""

from __future__ import annotations

import shutil

from ..current import read_current
from ..errors import CbcfgError
from ..targets import ALL
from .base import CheckResult, Level
from .context import LocalContext

name = "desktop-mcp"
summary = "Claude Desktop's Chat tab has a Bifrost MCP entry it can use"
network = False


def run(ctx: LocalContext) -> list[CheckResult]:
    target = ALL["desktop"]
    server = ctx.profile.mcp_name if ctx.profile else "bifrost"
    path = target.path(ctx.layout)
    try:
        current = read_current(target, path, ctx.layout.home, {"mcpServers": None})
    except CbcfgError:
        return []  # the files check reports it
    if current.document is None:
        return [
            CheckResult(
                name,
                Level.INFO,
                f"no Claude Desktop config at {current.shown}",
                f"cbcfg apply {ctx.profile.name if ctx.profile else 'local'} -t desktop, if you use Claude Desktop",
            )
        ]
    servers = current.document.values.get("mcpServers")
    entry = servers.get(server) if isinstance(servers, dict) else None
    if not isinstance(entry, dict):
        return [
            CheckResult(
                name,
                Level.INFO,
                f"no {server!r} MCP server in {current.shown}: the Chat tab has no Bifrost tools",
                "cbcfg apply <profile> -t desktop",
            )
        ]
    if "command" in entry:
        if shutil.which(str(entry["command"])) is None:
            return [
                CheckResult(
                    name,
                    Level.WARNING,
                    f"stdio bridge entry, but {entry['command']!r} is not on PATH",
                    "install Node.js (npx), or apply with --desktop-mcp url",
                )
            ]
        return [CheckResult(name, Level.OK, "stdio bridge entry (mcp-remote): works on every Desktop build")]
    return [
        CheckResult(
            name,
            Level.INFO,
            "url entry (the Bifrost guide's form); Claude Desktop documents only stdio "
            "servers and some builds ignore url entries",
            "if the Chat tab shows no Bifrost tools: cbcfg apply <profile> -t desktop --desktop-mcp bridge",
        )
    ]
