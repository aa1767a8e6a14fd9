"""``desktop``: Claude Desktop's ``claude_desktop_config.json``, the Chat tab's MCP servers.

``url`` form (the seed's): ``{"url": …, "headers": {"Authorization": "Bearer <key>"}}``.
``bridge`` form, for Desktop builds that take only stdio servers: ``npx mcp-remote`` with the
header passed through ``env`` (so the key is not in the process list, and the space in
"Bearer <key>" survives Windows argument quoting).
"""

from typing import Any

from ..desired import Fragment, desktop_mcp_fragment
from .base import Target
from .models import McpStdioServer, McpUrlServer, check_mcp_entry


def _check(document: dict[str, Any], fragment: Fragment) -> list[str]:
    model = McpStdioServer if any("command" in v for v in fragment.wanted.values()) else McpUrlServer
    result: list[str] = check_mcp_entry(model)(document, fragment)
    return result


TARGET = Target(
    name="desktop",
    description="Claude Desktop MCP servers for the Chat tab (claude_desktop_config.json)",
    scope="user",
    location="desktop_config",
    builder=desktop_mcp_fragment,
    check_owned=_check,
)
