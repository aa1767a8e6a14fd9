"""``managed-dropin``: ``managed-settings.d/50-cbcfg.json``, a managed drop-in that cbcfg owns whole.

The client merges drop-ins after ``managed-settings.json`` in file-name order (scalars: later wins,
lists union, objects merge), so cbcfg's values beat the organisation's main file without cbcfg ever
opening it — an MDM or a config-management run that rewrites that file whole cannot undo cbcfg's
keys, and cbcfg cannot disturb the organisation's.
"""

from ..desired import settings_fragment
from .base import Target
from .models import check_settings

TARGET = Target(
    name="managed-dropin",
    description="Managed settings as cbcfg's own drop-in (managed-settings.d/50-cbcfg.json); only with --target",
    scope="system",
    location="managed_drop_in",
    builder=settings_fragment,
    check_owned=check_settings,
    settings_schema=True,
    by_name_only=True,
    readable_by_all=True,  # Claude Code runs as each user: a file they cannot read is silently ignored
)
