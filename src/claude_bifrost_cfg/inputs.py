"""What the user passes besides the profile: gateway URL, virtual key, targets. Checked here (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from .errors import RefusedError, UsageError
from .profiles import Profile, check_gateway_url, is_loopback_url
from .secrets import KEY_PREFIX, looks_like_bifrost_key
from .source import KeyMode
from .vocabulary import GATEWAY_URL_ENV, KEY_MODES, VIRTUAL_KEY_ENV

KEY_ENV = VIRTUAL_KEY_ENV  # the name commands.common reads the key from
URL_ENV = GATEWAY_URL_ENV


@dataclass(frozen=True)
class Inputs:
    gateway_url: str
    key: str | None
    warnings: tuple[str, ...]
    key_in_place: str | None = None  # the file the key was kept from (none given this time)


def check_key(key: str) -> str:
    key = key.strip()
    if not key or any(ch.isspace() or ord(ch) < 32 for ch in key):
        raise RefusedError(
            "the virtual key is empty or holds spaces or control characters",
            f"pass the key alone (e.g. {KEY_PREFIX}…) in {KEY_ENV} or on --key-stdin",
        )
    return key


def check_key_mode(mode: str) -> KeyMode:
    if mode not in KEY_MODES:
        raise UsageError(f"key mode {mode!r} is not one cbcfg knows", f"use one of {', '.join(KEY_MODES)}")
    return cast(KeyMode, mode)


def resolve_inputs(
    profile: Profile,
    url_option: str | None,
    env: Mapping[str, str],
    key: str | None,
    allow_insecure: bool,
    need_key: bool = True,
    allow_placeholder: bool = False,
) -> Inputs:
    warnings: list[str] = []
    raw_url = url_option or env.get(URL_ENV) or None
    origin = "--gateway-url" if url_option else (URL_ENV if raw_url else f"profile {profile.name!r}")
    try:
        url = check_gateway_url(raw_url) if raw_url else profile.gateway_url
    except ValueError as exc:
        raise RefusedError(f"{origin}: the gateway URL {exc}", "pass the gateway's root URL") from None
    if raw_url is None and profile.placeholder_url:
        if allow_placeholder:
            warnings.append(f"{url} is an example URL: apply needs --gateway-url or {URL_ENV}")
        else:
            raise RefusedError(
                f"profile {profile.name!r} has the example gateway URL {url}",
                f"pass --gateway-url https://your-bifrost, set {URL_ENV}, or write a profile that extends it",
            )
    if url.startswith("http://") and not is_loopback_url(url) and not allow_insecure:
        raise RefusedError(
            f"{origin}: {url} is plain http to another machine; the virtual key would cross the network unencrypted",
            "use https://, or pass --allow-insecure if this network is trusted",
        )
    if key is not None:
        key = check_key(key)
        if not looks_like_bifrost_key(key):
            warnings.append(
                f"the virtual key does not start with {KEY_PREFIX}: Bifrost reads x-api-key and "
                "Authorization: Bearer as a virtual key only when it does"
            )
    elif need_key and profile.require_key:
        raise RefusedError(
            f"profile {profile.name!r} needs a Bifrost virtual key",
            f"export {KEY_ENV}={KEY_PREFIX}… or pipe it to --key-stdin (never on the command line)",
        )
    return Inputs(url, key, tuple(warnings))


def choose_targets(profile: Profile, requested: Sequence[str]) -> tuple[str, ...]:
    """``--target`` names, else the profile's defaults; in a stable order without repeats."""
    from .targets import ALL, NAMES

    for name in requested:
        if name not in NAMES:
            raise UsageError(f"unknown target {name!r}", f"targets are: {', '.join(NAMES)}")
    # managed settings bind every user of the machine: written only when asked for by name.
    chosen = requested or [name for name in profile.targets if not ALL[name].by_name_only]
    chosen = [*chosen, *(brought for name in chosen for brought in ALL[name].brings)]
    return tuple(name for name in NAMES if name in chosen)
