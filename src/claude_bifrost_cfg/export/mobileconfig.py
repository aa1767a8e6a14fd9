"""``mobileconfig``: a macOS configuration profile that sets Claude Code's preference domain.

The shape is Anthropic's own example (anthropics/claude-code ``examples/mdm/macos``): one
``com.apple.ManagedClient.preferences`` payload whose domain is ``Forced`` to the managed settings.
Identifiers are derived, not random: the profile's PayloadIdentifier comes from the cbcfg profile
name (so a new export replaces the old one on the Mac), and the UUIDs from name and content, so the
same profile exports byte-identical files and the MDM sees no change.
"""

from __future__ import annotations

import json
import plistlib
import re
import uuid
from typing import Any

from .plist import preferences
from .policy import ExportMeta, ManagedPolicy

# A fixed namespace for cbcfg's uuid5 identifiers (itself uuid5 of the URL namespace and a name).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cbcfg:export:mobileconfig")


def profile_identifier(policy: ManagedPolicy) -> str:
    name = re.sub(r"[^A-Za-z0-9-]", "-", policy.profile)
    return f"{policy.domain}.cbcfg.{name}"


def build_profile(policy: ManagedPolicy, meta: ExportMeta) -> dict[str, Any]:
    settings = preferences(policy)
    display = meta.display_name or f"{policy.product} via Bifrost ({policy.profile})"
    identifier = profile_identifier(policy)
    content = json.dumps(
        [identifier, display, meta.organization, policy.description, settings], sort_keys=True, ensure_ascii=False
    )
    profile_uuid = str(uuid.uuid5(NAMESPACE, f"profile\n{content}")).upper()
    payload_uuid = str(uuid.uuid5(NAMESPACE, f"payload\n{content}")).upper()
    payload: dict[str, Any] = {
        "PayloadDisplayName": policy.product,
        "PayloadIdentifier": f"{identifier}.{payload_uuid}",
        "PayloadType": "com.apple.ManagedClient.preferences",
        "PayloadUUID": payload_uuid,
        "PayloadVersion": 1,
        "PayloadContent": {policy.domain: {"Forced": [{"mcx_preference_settings": settings}]}},
    }
    if policy.domain_payload:  # the domain's keys in the payload itself, PayloadType = the domain
        del payload["PayloadContent"]
        payload = {**settings, **payload, "PayloadType": policy.domain}
    profile: dict[str, Any] = {
        "PayloadDisplayName": display,
        "PayloadDescription": policy.description,
        "PayloadIdentifier": identifier,
        "PayloadScope": "System",
        "PayloadType": "Configuration",
        "PayloadUUID": profile_uuid,
        "PayloadVersion": 1,
        "PayloadContent": [payload],
    }
    if meta.organization:
        profile["PayloadOrganization"] = meta.organization
    return profile


def render(policy: ManagedPolicy, meta: ExportMeta) -> bytes:
    return plistlib.dumps(build_profile(policy, meta), fmt=plistlib.FMT_XML, sort_keys=True)
