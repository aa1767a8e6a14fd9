"""``desktop-library``: Claude Desktop's ``configLibrary/_meta.json``, which configuration is applied.

``{"appliedId": <id>, "entries": [{"id", "name"}, …]}``: cbcfg owns its one entry (by id, never by
position) and ``appliedId``; every other configuration and unknown key stays byte for byte. Planned
with ``desktop-gateway``, whose file is ``<id>.json`` beside it.
"""

from typing import Any

from ..desired import Fragment, desktop_library_fragment
from .base import Target


def _check(document: dict[str, Any], fragment: Fragment) -> list[str]:
    entries = document.get("entries")
    if not isinstance(entries, list):
        return ["/entries: must be a list (Desktop's library lists its configurations there)"]
    return [
        f"/entries/{i}: must be an object with a string id"
        for i, e in enumerate(entries)
        if not isinstance(e, dict) or not isinstance(e.get("id"), str)
    ]


TARGET = Target(
    name="desktop-library",
    description="Claude Desktop configuration library index (_meta.json): cbcfg's configuration applied",
    scope="user",
    location="desktop_library_meta",
    builder=desktop_library_fragment,
    check_owned=_check,
    by_name_only=True,  # opt-in: status lists it once applied
)
