"""cbcfg: put Claude Code and Claude Desktop behind the Bifrost AI gateway."""

__version__ = "0.1.0"
