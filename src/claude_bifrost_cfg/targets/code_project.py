"""``code-project``: ``<project>/.claude/settings.json``, shared with the team through git.

The key is never written here (the file is committed, and settings ``env`` has no ``${VAR}``
expansion): put it in ``code-local`` or the user settings.
"""

from ..desired import committed_settings_fragment
from .base import Target
from .models import check_settings

TARGET = Target(
    name="code-project",
    description="Claude Code project settings, committed (<project>/.claude/settings.json; no key)",
    scope="project",
    location="project_settings",
    builder=committed_settings_fragment,
    check_owned=check_settings,
    settings_schema=True,
)
