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
    # mobileconfig: a payload whose PayloadType is the domain itself (Claude Desktop's documented
    # shape) rather than a com.apple.ManagedClient.preferences (MCX) payload.
    domain_payload: bool = False
    registry_json: bool = True  # every registry value is a JSON document (else plain strings)

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


# Claude Desktop (claude.com/docs/third-party/claude-desktop/mdm): its own domain and policy key,
# flat keys with the local library's names; every value a string (booleans "true"/"false",
# numbers in decimal, lists and objects as JSON text), values directly under the key (REG_SZ).
CLAUDE_DESKTOP_DOMAIN = "com.anthropic.claudefordesktop"
CLAUDE_DESKTOP_REGISTRY_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude"
DESKTOP_LOCK_NOTE = (
    "Any of these keys locks Claude Desktop's whole in-app configuration: the configuration window turns "
    "read-only and every locally applied configuration (configLibrary, cbcfg apply -t desktop-gateway) is "
    "ignored. Quit and reopen Desktop to apply. Keys in MDM are readable by every local account."
)


def desktop_string(value: Any) -> str:
    """A value as Desktop reads it from MDM: a string, booleans as true/false, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def claude_desktop_policy(profile: str, owned: Mapping[str, Any], secret: bool) -> ManagedPolicy:
    """``owned``: what ``desktop-gateway`` owns (flat keys: one pointer segment each)."""
    refuse_placeholders(owned)
    document = nest(owned)
    strings = {key: desktop_string(value) for key, value in document.items()}
    return ManagedPolicy(
        profile=profile,
        product="Claude Desktop",
        document=document,
        domain=CLAUDE_DESKTOP_DOMAIN,
        preferences=strings,
        registry_key=CLAUDE_DESKTOP_REGISTRY_KEY,
        registry_values=strings,
        secret=secret,
        note=DESKTOP_LOCK_NOTE,
        domain_payload=True,
        registry_json=False,
    )
