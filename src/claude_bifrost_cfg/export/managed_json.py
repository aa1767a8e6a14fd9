"""``managed-json``: the document a Jamf/Kandji/Intune script drops as ``managed-settings.json``."""

from __future__ import annotations

import json

from .policy import ExportMeta, ManagedPolicy


def render(policy: ManagedPolicy, meta: ExportMeta) -> bytes:
    # JSON has no comment: the note is in README and on the other formats' description fields.
    return (json.dumps(policy.document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
