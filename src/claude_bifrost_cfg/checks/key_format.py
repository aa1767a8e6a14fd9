"""key-format: the virtual key Claude Code will send looks like a Bifrost key (sk-bf-…)."""

from __future__ import annotations

from ..layers import Credential, resolve_credentials
from ..secrets import looks_like_bifrost_key, mask_key
from .base import CheckResult, Level
from .context import LocalContext

name = "key-format"
summary = "the key Claude Code sends is a Bifrost virtual key"
network = False


def run(ctx: LocalContext) -> list[CheckResult]:
    rows = []
    for key_name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        effective = ctx.effective.get(key_name)
        if effective is None or effective.winner is None:
            continue
        value = effective.winner.value
        where = effective.winner.where
        if not isinstance(value, str) or not looks_like_bifrost_key(value):
            shown = mask_key(value) if isinstance(value, str) else repr(type(value).__name__)
            rows.append(
                CheckResult(
                    name,
                    Level.WARNING,
                    f"{key_name} ({where}) = {shown} does not start with sk-bf-: "
                    "Bifrost reads x-api-key / Authorization as a virtual key only when it does",
                    "use a Bifrost virtual key (Dashboard > Virtual Keys)",
                )
            )
        else:
            rows.append(CheckResult(name, Level.OK, f"{key_name} = {mask_key(value)} (from {where})"))
    if conflict := _conflict(ctx):
        rows.append(conflict)
    if ctx.value("apiKeyHelper") is not None:
        rows.append(
            CheckResult(
                name,
                Level.INFO,
                "apiKeyHelper is set: its output is sent as x-api-key and Bearer (the key-mode row runs it)",
            )
        )
    other_mode = ctx.value("ANTHROPIC_CUSTOM_HEADERS") is not None or any(
        layer.values.get("forceLoginMethod") is not None for layer in ctx.layers
    )
    if not rows and not other_mode:
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                "no virtual key is configured (fine only if Bifrost does not enforce keys)",
                "export BIFROST_VIRTUAL_KEY=sk-bf-… and apply the profile again",
            )
        )
    return rows


def _conflict(ctx: LocalContext) -> CheckResult | None:
    """Two credentials at once: the client sends both headers, Bifrost reads one of them."""
    credentials = resolve_credentials(ctx.effective)
    both = credentials.conflict
    if not both:
        return None
    read = credentials.read
    named = " and ".join(c.where for c in both)
    headers = " and ".join(c.shown_header for c in both)
    if read is None:
        verdict = "Bifrost reads neither as a virtual key (no sk-bf- value)"
    else:
        verdict = f"Bifrost reads the {read.shown_header} one, {_value(read)}"
        if read.header == "x-bf-vk":
            verdict = f"Bifrost reads x-bf-vk first ({read.where}), {_value(read)}"
    ignored = [c for c in both if c is not read]
    return CheckResult(
        name,
        Level.WARNING,
        f"two credentials: {named} are set, so Claude Code sends {headers}; {verdict}",
        "keep one key: " + "; ".join(_removal(c) for c in ignored or both[1:]),
    )


def _value(credential: Credential) -> str:
    return mask_key(credential.value) if credential.value else "apiKeyHelper's output (cbcfg cannot see it)"


def _removal(credential: Credential) -> str:
    if credential.setting is None or credential.setting.path is None:
        return f"unset {credential.source} in the shell"
    return f"remove {credential.source} from {credential.setting.shown}"
