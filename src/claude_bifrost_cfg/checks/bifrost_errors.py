"""Bifrost's refusals turned into one line saying what happened and one saying what to do."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from claude_bifrost_cfg.checks.base import Level
from claude_bifrost_cfg.secrets import KEY_PREFIX, mask_key, redact

# Bifrost's governance decisions, and the spellings older versions put in plain messages.
_CODES = {
    "virtual_key_required": "virtual_key_required",
    "virtual_key_is_required": "virtual_key_required",
    "virtual_key_not_found": "virtual_key_not_found",
    "virtual_key_blocked": "virtual_key_blocked",
    "virtual_key_is_inactive": "virtual_key_blocked",
    "provider_blocked": "provider_blocked",
    "model_blocked": "model_blocked",
    "budget_exceeded": "budget_exceeded",
    "rate_limited": "rate_limited",
    "rate_limit_exceeded": "rate_limited",
    "token_limited": "rate_limited",
    "request_limited": "rate_limited",
}
_MAX_MESSAGE = 160


@dataclass(frozen=True)
class Explanation:
    level: Level
    message: str
    fix: str


def server_message(body: bytes | str, key: str | None = None) -> str:
    """The gateway's own error message, on one line, shortened, with any key masked."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    document = _json(text)
    message = ""
    if isinstance(document, dict):
        error = document.get("error")
        if isinstance(error, dict):
            message = str(error.get("message") or "")
        elif isinstance(error, str):
            message = error
        message = message or str(document.get("message") or "")
    message = " ".join((message or text).split())
    message = redact(message, [key] if key else [])
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


def error_code(body: bytes | str) -> str | None:
    """Bifrost's decision (virtual_key_not_found, model_blocked, …) found in an error body."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    document = _json(text)
    candidates: list[str] = []
    if isinstance(document, dict):
        error = document.get("error")
        if isinstance(error, dict):
            candidates += [str(error.get(k) or "") for k in ("type", "code", "message")]
        elif isinstance(error, str):
            candidates.append(error)
        candidates += [str(document.get(k) or "") for k in ("type", "code", "message")]
    else:
        candidates.append(text)
    for candidate in candidates:
        words = re.sub(r"[\s\-]+", "_", candidate.strip().lower())
        for spelling, code in _CODES.items():
            if spelling in words:
                return code
    return None


def explain_refusal(
    status: int,
    body: bytes | str,
    *,
    key: str | None,
    key_header: str = "x-api-key",
    model: str | None = None,
    what: str = "the request",
) -> Explanation:
    """Why Bifrost refused `what` (HTTP `status`, error `body`), and the fix, in one line each."""
    code = error_code(body)
    said = server_message(body, key)
    shown = mask_key(key) if key else "(none)"
    if code == "virtual_key_required" or (code is None and status == 401 and not key):
        if not key:
            message = "no virtual key is configured, and Bifrost requires one"
        elif not key.startswith(KEY_PREFIX):
            message = f"Bifrost saw no virtual key: it reads {key_header} as one only when it starts with {KEY_PREFIX}"
        else:
            message = f"Bifrost saw no virtual key in {what}"
        return Explanation(
            Level.FAILED,
            message,
            f"export BIFROST_VIRTUAL_KEY={KEY_PREFIX}… (or pipe it to --key-stdin), then run cbcfg apply",
        )
    if code == "virtual_key_not_found":
        return Explanation(
            Level.FAILED,
            f"Bifrost does not know virtual key {shown}",
            "copy the key again from Bifrost (Governance > Virtual Keys), then run cbcfg apply",
        )
    if code == "virtual_key_blocked":
        return Explanation(
            Level.FAILED,
            f"virtual key {shown} is inactive in Bifrost",
            "activate the key in Bifrost (Governance > Virtual Keys), or use another key",
        )
    if code == "provider_blocked":
        return Explanation(
            Level.FAILED,
            f"virtual key {shown} may not use provider {_provider(model)}" if model else f"{said} (key {shown})",
            "allow the provider on the key in Bifrost, or pin models of a provider the key allows",
        )
    if code == "model_blocked":
        return Explanation(
            Level.FAILED,
            f"virtual key {shown} may not use model {model}" if model else f"{said} (key {shown})",
            "allow the model on the key in Bifrost, or pin a model the key allows",
        )
    if code == "budget_exceeded" or (code is None and status == 402):
        return Explanation(
            Level.FAILED,
            f"the budget of virtual key {shown} is used up: {said}",
            "raise or reset the key's budget in Bifrost, or wait for its reset period",
        )
    if code == "rate_limited" or (code is None and status == 429):
        return Explanation(
            Level.WARNING,
            f"virtual key {shown} hit a rate limit: {said}",
            "wait and retry, or raise the key's rate limit in Bifrost",
        )
    if status == 401:
        return Explanation(
            Level.FAILED,
            f"Bifrost refused virtual key {shown} (HTTP 401): {said}",
            "check the key in Bifrost (Governance > Virtual Keys), then run cbcfg apply",
        )
    if status == 403:
        return Explanation(
            Level.FAILED,
            f"Bifrost forbade {what} (HTTP 403): {said}",
            "check what the key may use in Bifrost (Governance > Virtual Keys)",
        )
    if status >= 500:
        return Explanation(
            Level.FAILED, f"Bifrost failed on {what} (HTTP {status}): {said}", "see Bifrost's log for the cause"
        )
    return Explanation(
        Level.FAILED, f"Bifrost answered {what} with HTTP {status}: {said}", "see Bifrost's log for the cause"
    )


def is_refusal(status: int) -> bool:
    """Statuses with which Bifrost's governance says no (as opposed to 'no such route')."""
    return status in (401, 402, 403, 429)


def _provider(model: str) -> str:
    return model.partition("/")[0] if "/" in model else "anthropic"


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
