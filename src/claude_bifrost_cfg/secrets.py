"""The virtual key: where it comes from, and how it is kept out of everything cbcfg prints."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from .vocabulary import SECRET_FIELD_NAMES

KEY_PREFIX = "sk-bf-"
_SK_TOKEN = re.compile(r"sk-bf-[A-Za-z0-9_\-.]+")
# Values of these names are secrets whatever they look like.
_SECRET_FIELD = re.compile('("(?:' + "|".join(map(re.escape, SECRET_FIELD_NAMES)) + r')"\s*:\s*")((?:[^"\\]|\\.)*)(")')
_BEARER = re.compile(r"(Bearer\s+)(?!\$\{)([^\s\"',]+)")


def mask_key(key: str) -> str:
    """``sk-bf-…`` plus the last 4 characters; never the whole key."""
    tail = key[-4:] if len(key) >= 12 else ""
    return f"{KEY_PREFIX}…{tail}" if key.startswith(KEY_PREFIX) else f"…{tail}"


def _mask_match(match: re.Match[str]) -> str:
    return mask_key(match.group(0))


def redact(text: str, known: Iterable[str] = ()) -> str:
    """Text with every key-like value masked: known keys, sk-bf- tokens, Bearer tokens, and values
    of secret-named fields (a user's own non-Bifrost key included)."""
    for key in known:
        if key:
            # Files and JSON output hold the key JSON-escaped: a '"' or '\\' in it must not let the rest show.
            for form in dict.fromkeys((key, json.dumps(key, ensure_ascii=False)[1:-1], json.dumps(key)[1:-1])):
                text = text.replace(form, mask_key(key))
    text = _SK_TOKEN.sub(_mask_match, text)
    text = _SECRET_FIELD.sub(lambda m: m.group(1) + _mask_value(m.group(2)) + m.group(3), text)
    return _BEARER.sub(lambda m: m.group(1) + _mask_value(m.group(2)), text)


def _mask_value(value: str) -> str:
    if value.startswith("${") or "…" in value or value == "":
        return value  # an environment reference or already masked
    if value.startswith("Bearer "):
        return "Bearer " + _mask_value(value[len("Bearer ") :])
    return mask_key(value)


def looks_like_bifrost_key(key: str) -> bool:
    return key.startswith(KEY_PREFIX) and len(key) > len(KEY_PREFIX)
