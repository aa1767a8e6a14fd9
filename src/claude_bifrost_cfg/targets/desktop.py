"""``desktop``: Claude Desktop's ``claude_desktop_config.json``, the Chat tab's MCP servers.

``url`` form (the seed's): ``{"url": …, "headers": {"Authorization": "Bearer <key>"}}``.
``bridge`` form, for Desktop builds that take only stdio servers: ``npx mcp-remote`` with the
header passed through ``env`` (so the key is not in the process list, and the space in
"Bearer <key>" survives Windows argument quoting).
"""

from typing import Any

from ..render import Fragment, Rendered, mcp_entry_pointer
from .base import Target
from .models import McpStdioServer, McpUrlServer, check_mcp_entry


def _entry(rendered: Rendered) -> dict[str, Any]:
    bearer = f"Bearer {rendered.key}" if rendered.key else None
    if rendered.desktop_mcp == "bridge":
        entry: dict[str, Any] = {"command": "npx", "args": ["-y", "mcp-remote", rendered.mcp_url]}
        if bearer:
            entry["args"] += ["--header", "Authorization:${AUTH_HEADER}"]
            entry["env"] = {"AUTH_HEADER": bearer}
        return entry
    entry = {"url": rendered.mcp_url}
    if bearer:
        entry["headers"] = {"Authorization": bearer}
    return entry


def _fragment(rendered: Rendered) -> Fragment:
    if rendered.mcp_name is None:
        return Fragment({}, notes=("no MCP entry: the profile disables [mcp]",))
    notes = () if rendered.key else ("Authorization header left out: no virtual key given",)
    return Fragment({mcp_entry_pointer(rendered): _entry(rendered)}, secret=rendered.key is not None, notes=notes)


def _check(document: dict[str, Any], fragment: Fragment) -> list[str]:
    model = McpStdioServer if any("command" in v for v in fragment.owned.values()) else McpUrlServer
    result: list[str] = check_mcp_entry(model)(document, fragment)
    return result


TARGET = Target(
    name="desktop",
    description="Claude Desktop MCP servers for the Chat tab (claude_desktop_config.json)",
    scope="user",
    path=lambda layout: layout.desktop_config,
    fragment=_fragment,
    check_owned=_check,
)
