"""desktop-mcp: the form of Claude Desktop's Bifrost MCP entry suits current builds.

Current builds load only stdio entries (``command``/``args``/``env``) from claude_desktop_config.json:
``url`` entries are skipped as "not valid MCP server configurations" and ``type: http`` ones have
crashed it at launch. The bridge must carry the key in ``env`` (never in ``args``) and, for plain
http to a host other than localhost/127.0.0.1, mcp-remote's ``--allow-http``.
"""

from __future__ import annotations

import shutil

from ..current import read_current
from ..desired import MCP_REMOTE_PACKAGE, bridge_args
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
        return [_bridge_row(entry)]
    if entry.get("type") == "http" or isinstance(entry.get("transport"), dict):
        return [
            CheckResult(
                name,
                Level.WARNING,
                "a type/transport http entry: Claude Desktop builds have crashed at launch on these",
                "cbcfg apply <profile> -t desktop (the stdio bridge form)",
            )
        ]
    return [
        CheckResult(
            name,
            Level.INFO,
            "url entry (the Bifrost guide's form): current Claude Desktop builds skip url entries "
            '("not valid MCP server configurations"); only stdio servers load',
            "if the Chat tab shows no Bifrost tools: cbcfg apply <profile> -t desktop --desktop-mcp bridge",
        )
    ]


def _bridge_row(entry: dict[str, object]) -> CheckResult:
    raw = entry.get("args")
    args = [str(arg) for arg in raw] if isinstance(raw, list) else []
    command = str(entry["command"])
    if any(arg.startswith("sk-bf-") or arg.startswith("Authorization: Bearer sk-") for arg in args):
        return CheckResult(
            name,
            Level.WARNING,
            "the bridge entry has the key in its args: every local account sees it in the process list",
            "cbcfg apply <profile> -t desktop (the key moves to the entry's env)",
        )
    if shutil.which(command) is None:
        return CheckResult(
            name,
            Level.WARNING,
            f"stdio bridge entry, but {command!r} is not on PATH",
            "install Node.js 18+ (npx), or apply with --desktop-mcp url",
        )
    url = next((arg for arg in args if arg.startswith(("http://", "https://"))), None)
    if url is not None and "--allow-http" in bridge_args(url) and "--allow-http" not in args:
        return CheckResult(
            name,
            Level.WARNING,
            f"the bridge's URL {url} is plain http to another host: mcp-remote refuses it without --allow-http",
            "cbcfg apply <profile> -t desktop (adds --allow-http), or use https",
        )
    if MCP_REMOTE_PACKAGE not in args:
        return CheckResult(
            name,
            Level.INFO,
            f"stdio bridge entry (mcp-remote), not pinned to {MCP_REMOTE_PACKAGE}: npx runs whatever is newest",
            "cbcfg apply <profile> -t desktop",
        )
    return CheckResult(
        name, Level.OK, f"stdio bridge entry ({MCP_REMOTE_PACKAGE}): the form current Desktop builds load"
    )
