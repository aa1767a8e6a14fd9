"""``code-local``: ``<project>/.claude/settings.local.json``, personal, overrides the user file."""

from ..render import settings_fragment
from .base import Target
from .models import check_settings

TARGET = Target(
    name="code-local",
    description="Claude Code personal project settings (<project>/.claude/settings.local.json)",
    scope="project",
    path=lambda layout: layout.project / ".claude" / "settings.local.json",
    fragment=settings_fragment,
    check_owned=check_settings,
    settings_schema=True,
)
