"""``managed``: ``managed-settings.json``, deployed by MDM; users cannot override it.

macOS ``/Library/Application Support/ClaudeCode/``, Windows ``C:\\Program Files\\ClaudeCode\\``,
Linux ``/etc/claude-code/`` (under ``--system-root`` for tests and image builds).
"""

from ..desired import settings_fragment
from .base import Target
from .models import check_settings

TARGET = Target(
    name="managed",
    description="Managed (enterprise) settings, highest precedence; only with --target managed",
    scope="system",
    location="managed_settings",
    builder=settings_fragment,
    check_owned=check_settings,
    settings_schema=True,
    by_name_only=True,
    readable_by_all=True,  # Claude Code runs as each user: a file they cannot read is silently ignored
)
