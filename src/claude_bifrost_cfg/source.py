"""The source: a profile with the user's inputs folded in (gateway URL, virtual key, MCP form).

Everything the desired state is built from, and nothing read from the target files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .vocabulary import BASE_URL_ENV, MODEL_ENV

if TYPE_CHECKING:
    from .profiles import Profile

DesktopMcpForm = Literal["url", "bridge"]


@dataclass(frozen=True)
class Source:
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
    desktop_gateway: bool = False  # Desktop's gateway inference is planned too (claude_desktop_config.json's mode)

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
        env[BASE_URL_ENV] = self.base_url
        for tier, name in MODEL_ENV.items():
            if tier in self.models:
                env[name] = self.models[tier]
        env.update(self.extra_env)
        return env


def build_source(profile: Profile, gateway_url: str, key: str | None, desktop_mcp: DesktopMcpForm = "bridge") -> Source:
    return Source(
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
