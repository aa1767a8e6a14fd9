"""What every export carries: the managed settings document and the places Claude Code reads it (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import RefusedError
from ..jsondoc import pointer_to_path

# Where Claude Code reads managed settings besides managed-settings.json (the 2.1.332 binary, and
# anthropics/claude-code examples/mdm): the macOS preference domain (settings as top-level keys of
# the domain, native plist types) and one Windows registry value holding the whole JSON (REG_SZ).
CLAUDE_CODE_DOMAIN = "com.anthropic.claudecode"
CLAUDE_CODE_REGISTRY_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\ClaudeCode"
CLAUDE_CODE_REGISTRY_VALUE = "Settings"

KEY_NOTE = (
    "A key in managed settings is readable by every local account. Per-user keys belong in each user's "
    "own settings (cbcfg apply -t code), cbcfg's helper mode, or the gateway sign-in (--key-mode login)."
)
LOGIN_NOTE = (
    "Gateway sign-in: each user signs in with /login (Cloud gateway); no key is shipped. Any forceLoginMethod in "
    "managed settings blocks sessions that rely on a static key."
)


@dataclass(frozen=True)
class ExportMeta:
    """What the admin names: shown by the MDM console, never read by Claude."""

    display_name: str | None = None
    organization: str | None = None


@dataclass(frozen=True)
class ManagedPolicy:
    """One product's managed policy, in every shape a format needs."""

    profile: str
    product: str  # "Claude Code"
    document: dict[str, Any]  # the managed settings, as managed-settings.json holds them
    domain: str  # macOS preference domain
    preferences: dict[str, Any]  # the domain's top-level keys
    registry_key: str  # full key path, HKEY_LOCAL_MACHINE\...
    registry_values: dict[str, str]  # value name -> REG_SZ data
    secret: bool  # holds the virtual key
    note: str  # for a comment or description field

    @property
    def description(self) -> str:
        return f"{self.product} through Bifrost, cbcfg profile {self.profile!r}. {self.note}"


def nest(owned: Mapping[str, Any]) -> dict[str, Any]:
    """JSON pointers -> the nested document they describe, in the order given."""
    document: dict[str, Any] = {}
    for pointer, value in owned.items():
        path = pointer_to_path(pointer)
        table = document
        for part in path[:-1]:
            table = table.setdefault(part, {})
        table[path[-1]] = value
    return document


def refuse_placeholders(owned: Mapping[str, Any]) -> None:
    """Nothing expands ``${VAR}`` in managed settings: an export holding one would ship the literal text."""
    for pointer, value in owned.items():
        if "${" in json.dumps(value, ensure_ascii=False):
            raise RefusedError(
                f"{pointer} holds a ${{…}} placeholder, which Claude Code does not expand in managed settings",
                "put the value itself in the profile, or leave that key out of the export",
            )


def claude_code_policy(profile: str, owned: Mapping[str, Any], secret: bool) -> ManagedPolicy:
    """``owned``: what ``--target managed`` owns (the managed target's fragment)."""
    refuse_placeholders(owned)
    document = nest(owned)
    compact = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return ManagedPolicy(
        profile=profile,
        product="Claude Code",
        document=document,
        domain=CLAUDE_CODE_DOMAIN,
        preferences=document,
        registry_key=CLAUDE_CODE_REGISTRY_KEY,
        registry_values={CLAUDE_CODE_REGISTRY_VALUE: compact},
        secret=secret,
        note=LOGIN_NOTE if "forceLoginMethod" in document else KEY_NOTE,
    )
