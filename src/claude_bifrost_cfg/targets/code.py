"""``code``: the user's Claude Code settings, ``~/.claude/settings.json`` (or ``$CLAUDE_CONFIG_DIR``)."""

from ..render import settings_fragment
from .base import Target
from .models import check_settings

TARGET = Target(
    name="code",
    description="Claude Code user settings (env: gateway, key, model pins)",
    scope="user",
    path=lambda layout: layout.user_settings,
    fragment=settings_fragment,
    check_owned=check_settings,
    settings_schema=True,
)
