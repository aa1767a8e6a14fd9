"""``code-local``: ``<project>/.claude/settings.local.json``, personal, overrides the user file.

It holds the key: git must never pick it up (see ``gitignore``).
"""

from ..desired import settings_fragment
from .base import Target
from .models import check_settings

TARGET = Target(
    name="code-local",
    description="Claude Code personal project settings (<project>/.claude/settings.local.json, git-ignored)",
    scope="project",
    location="project_local_settings",
    builder=settings_fragment,
    check_owned=check_settings,
    settings_schema=True,
    git_ignored=True,
)
