"""``code``: the user's Claude Code settings, ``~/.claude/settings.json`` (or ``$CLAUDE_CONFIG_DIR``)."""

from ..desired import settings_fragment
from .base import Target
from .models import check_settings

TARGET = Target(
    name="code",
    description="Claude Code user settings (env: gateway, key, model pins)",
    scope="user",
    location="user_settings",
    builder=settings_fragment,
    check_owned=check_settings,
    settings_schema=True,
)
