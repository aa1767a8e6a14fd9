"""``code-mcp``: ``mcpServers.<name>`` in ``~/.claude.json``, the Code tab's user-scope MCP servers.

Claude Code rewrites this large file itself: cbcfg touches nothing else in it, and takes Claude's
lock while writing.
"""

from ..desired import code_mcp_fragment
from .base import Target
from .models import McpHttpServer, check_mcp_entry

TARGET = Target(
    name="code-mcp",
    description="Claude Code user-scope MCP server (mcpServers in ~/.claude.json)",
    scope="user",
    location="claude_json",
    builder=code_mcp_fragment,
    check_owned=check_mcp_entry(McpHttpServer),
    claude_lock=True,
)
