"""``project-mcp``: ``<project>/.mcp.json``, committed with the project.

The key is written as ``${BIFROST_VIRTUAL_KEY}``, which Claude Code expands from the environment,
never as the key itself.
"""

from ..desired import project_mcp_fragment
from ..vocabulary import KEY_REFERENCE
from .base import Target
from .models import McpHttpServer, check_mcp_entry

TARGET = Target(
    name="project-mcp",
    description=f"Project MCP server, committed (<project>/.mcp.json; key as {KEY_REFERENCE})",
    scope="project",
    location="project_mcp",
    builder=project_mcp_fragment,
    check_owned=check_mcp_entry(McpHttpServer),
)
