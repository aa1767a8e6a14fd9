"""``code-mcp``: ``mcpServers.<name>`` in ``~/.claude.json``, the Code tab's user-scope MCP servers.

Claude Code rewrites this large file itself: cbcfg touches nothing else in it, and takes Claude's
lock while writing.
"""

from typing import Any

from ..render import Fragment, Rendered, mcp_entry_pointer
from .base import Target
from .models import McpHttpServer, check_mcp_entry


def _fragment(rendered: Rendered) -> Fragment:
    if rendered.mcp_name is None:
        return Fragment({}, notes=("no MCP entry: the profile disables [mcp]",))
    entry: dict[str, Any] = {"type": "http", "url": rendered.mcp_url}
    notes: tuple[str, ...] = ()
    if rendered.key:
        entry["headers"] = {"Authorization": f"Bearer {rendered.key}"}
    else:
        notes = ("Authorization header left out: no virtual key given",)
    return Fragment({mcp_entry_pointer(rendered): entry}, secret=rendered.key is not None, notes=notes)


TARGET = Target(
    name="code-mcp",
    description="Claude Code user-scope MCP server (mcpServers in ~/.claude.json)",
    scope="user",
    path=lambda layout: layout.claude_json,
    fragment=_fragment,
    check_owned=check_mcp_entry(McpHttpServer),
    claude_lock=True,
)
