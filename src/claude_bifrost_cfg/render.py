"""Render a profile into the desired state: what each target file should contain (pure).

No I/O, no clock, no environment: everything comes in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .jsondoc import path_to_pointer
from .profiles import MODEL_ENV, Profile

DesktopMcpForm = Literal["url", "bridge"]


@dataclass(frozen=True)
class Rendered:
    """What every target draws from: the profile with the user's inputs folded in."""

    profile: str
    gateway_url: str  # the gateway's root
    key: str | None
    key_env: str  # ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN
    models: Mapping[str, str]
    extra_env: Mapping[str, str]
    settings: Mapping[str, Any]
    mcp_name: str | None  # None: the profile has no MCP entry
    desktop_mcp: DesktopMcpForm

    @property
    def base_url(self) -> str:
        return self.gateway_url + "/anthropic"

    @property
    def mcp_url(self) -> str:
        return self.gateway_url + "/mcp"

    def env(self, with_key: bool = True) -> dict[str, str]:
        """The settings ``env`` block, in the seed's order: key, base URL, model tiers, extras."""
        env: dict[str, str] = {}
        if with_key and self.key:
            env[self.key_env] = self.key
        env["ANTHROPIC_BASE_URL"] = self.base_url
        for tier in ("sonnet", "opus", "haiku", "default"):
            if tier in self.models:
                env[MODEL_ENV[tier]] = self.models[tier]
        env.update(self.extra_env)
        return env


@dataclass(frozen=True)
class Fragment:
    """The part of one file a profile wants: JSON pointer -> value. cbcfg owns exactly these."""

    owned: dict[str, Any]
    secret: bool = False  # the file will hold the virtual key
    notes: tuple[str, ...] = ()  # what was left out, and why


def render_profile(
    profile: Profile, gateway_url: str, key: str | None, desktop_mcp: DesktopMcpForm = "url"
) -> Rendered:
    return Rendered(
        profile=profile.name,
        gateway_url=gateway_url,
        key=key,
        key_env=profile.key_env,
        models=dict(profile.models),
        extra_env=dict(profile.env),
        settings=dict(profile.settings),
        mcp_name=profile.mcp_name if profile.mcp_enabled else None,
        desktop_mcp=desktop_mcp,
    )


def flatten(value: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Leaves of nested tables as (pointer, value): cbcfg owns leaves, never a user's whole table."""
    for key, item in value.items():
        if isinstance(item, Mapping) and item:
            yield from flatten(item, (*prefix, key))
        else:
            yield path_to_pointer((*prefix, key)), item


def settings_fragment(rendered: Rendered, with_key: bool = True) -> Fragment:
    """What a Claude Code settings file (user, project, managed) gets."""
    owned = {path_to_pointer(("env", name)): value for name, value in rendered.env(with_key).items()}
    owned.update(flatten(rendered.settings))
    notes: tuple[str, ...] = ()
    if rendered.key is None:
        notes = (f"{rendered.key_env} left out: no virtual key given (set BIFROST_VIRTUAL_KEY or use --key-stdin)",)
    return Fragment(owned, secret=with_key and rendered.key is not None, notes=notes)


def mcp_entry_pointer(rendered: Rendered) -> str:
    assert rendered.mcp_name is not None
    return path_to_pointer(("mcpServers", rendered.mcp_name))
