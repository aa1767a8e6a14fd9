"""``code-project``: ``<project>/.claude/settings.json``, shared with the team through git.

The key is never written here (the file is committed, and settings ``env`` has no ``${VAR}``
expansion): put it in ``code-local`` or the user settings.
"""

from ..render import Fragment, Rendered, settings_fragment
from .base import Target
from .models import check_settings


def _fragment(rendered: Rendered) -> Fragment:
    fragment = settings_fragment(rendered, with_key=False)
    note = f"{rendered.key_env} left out: this file is committed; the key goes in code-local or code"
    return Fragment(fragment.owned, secret=False, notes=(note,))


TARGET = Target(
    name="code-project",
    description="Claude Code project settings, committed (<project>/.claude/settings.json; no key)",
    scope="project",
    path=lambda layout: layout.project / ".claude" / "settings.json",
    fragment=_fragment,
    check_owned=check_settings,
    settings_schema=True,
)
