"""``plist``: the preference domain alone, for Jamf's and Kandji's Custom Settings payloads, which take
the domain's keys as a plist and wrap it in a profile themselves."""

from __future__ import annotations

import plistlib
from collections.abc import Mapping
from typing import Any

from ..errors import RefusedError
from .policy import ExportMeta, ManagedPolicy


def plist_value(value: Any, pointer: str) -> Any:
    """A JSON value as plist types; plists have no null and only 64-bit integers."""
    if value is None:
        raise RefusedError(
            f"{pointer} is null, which a property list cannot hold", "leave the key out of the profile instead"
        )
    if isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        if not -(2**63) <= value < 2**64:
            raise RefusedError(f"{pointer} is too large for a property list integer", "use a smaller number")
        return value
    if isinstance(value, Mapping):
        return {key: plist_value(item, f"{pointer}/{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [plist_value(item, f"{pointer}/{index}") for index, item in enumerate(value)]
    raise RefusedError(f"{pointer} has a value a property list cannot hold", "use JSON strings, numbers, lists, tables")


def preferences(policy: ManagedPolicy) -> dict[str, Any]:
    converted: dict[str, Any] = plist_value(policy.preferences, "")
    return converted


def render(policy: ManagedPolicy, meta: ExportMeta) -> bytes:
    return plistlib.dumps(preferences(policy), fmt=plistlib.FMT_XML, sort_keys=True)
