"""``project-mcp``: ``<project>/.mcp.json``, committed with the project.

The key is written as ``${BIFROST_VIRTUAL_KEY}``, which Claude Code expands from the environment,
never as the key itself.
"""

from ..render import Fragment, Rendered, mcp_entry_pointer
from .base import Target
from .models import McpHttpServer, check_mcp_entry

KEY_REFERENCE = "${BIFROST_VIRTUAL_KEY}"


def _fragment(rendered: Rendered) -> Fragment:
    if rendered.mcp_name is None:
        return Fragment({}, notes=("no MCP entry: the profile disables [mcp]",))
    entry = {"type": "http", "url": rendered.mcp_url, "headers": {"Authorization": f"Bearer {KEY_REFERENCE}"}}
    note = "the key is written as ${BIFROST_VIRTUAL_KEY}: export it where Claude Code runs"
    return Fragment({mcp_entry_pointer(rendered): entry}, secret=False, notes=(note,))


TARGET = Target(
    name="project-mcp",
    description="Project MCP server, committed (<project>/.mcp.json; key as ${BIFROST_VIRTUAL_KEY})",
    scope="project",
    path=lambda layout: layout.project / ".mcp.json",
    fragment=_fragment,
    check_owned=check_mcp_entry(McpHttpServer),
)
