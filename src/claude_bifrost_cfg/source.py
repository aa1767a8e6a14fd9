"""The source: a profile with the user's inputs folded in (gateway URL, virtual key, MCP form).

Everything the desired state is built from, and nothing read from the target files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from .vocabulary import (
    API_KEY_HELPER,
    BASE_URL_ENV,
    CUSTOM_HEADERS_ENV,
    FORCE_LOGIN_GATEWAY_URL,
    FORCE_LOGIN_METHOD,
    HELPER_TTL_ENV,
    HELPER_TTL_MS,
    LOGIN_GATEWAY_PATH,
    MODEL_ENV,
    VK_HEADER,
)

if TYPE_CHECKING:
    from .profiles import Profile

DesktopMcpForm = Literal["url", "bridge"]
KeyMode = Literal["key", "helper", "header", "login"]


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
    key_mode: KeyMode = "key"
    # helper mode: the command lines Claude Code runs (apiKeyHelper; the MCP entry's headersHelper)
    helper_command: str | None = None
    mcp_headers_command: str | None = None
    key_store: str | None = None  # helper mode: the store, as messages name it

    @property
    def key_on_disk(self) -> bool:
        """Whether this mode writes the key into the settings files (key and header modes)."""
        return self.key_mode in ("key", "header") and bool(self.key)

    @property
    def login_url(self) -> str:
        return self.gateway_url + LOGIN_GATEWAY_PATH

    desktop_gateway: bool = False  # Desktop's gateway inference is planned too (claude_desktop_config.json's mode)

    @property
    def base_url(self) -> str:
        return self.gateway_url + "/anthropic"

    @property
    def mcp_url(self) -> str:
        return self.gateway_url + "/mcp"

    def env(self, with_key: bool = True) -> dict[str, str]:
        """The settings ``env`` block, in the seed's order: key (as the mode hands it over), base
        URL, model tiers, extras. ``login``: no key and no base URL (the sign-in's gateway is used)."""
        env: dict[str, str] = {}
        if with_key and self.key and self.key_mode == "key":
            env[self.key_env] = self.key
        elif with_key and self.key and self.key_mode == "header":
            env[CUSTOM_HEADERS_ENV] = f"{VK_HEADER}: {self.key}"
        elif self.key_mode == "helper":
            env[HELPER_TTL_ENV] = HELPER_TTL_MS
        if self.key_mode != "login":
            env[BASE_URL_ENV] = self.base_url
        for tier, name in MODEL_ENV.items():
            if tier in self.models:
                env[name] = self.models[tier]
        env.update(self.extra_env)
        return env

    def mode_settings(self) -> dict[str, str]:
        """The top-level settings the key mode needs besides ``env``."""
        if self.key_mode == "helper" and self.helper_command:
            return {API_KEY_HELPER: self.helper_command}
        if self.key_mode == "login":
            return {FORCE_LOGIN_METHOD: "gateway", FORCE_LOGIN_GATEWAY_URL: self.login_url}
        return {}


def build_source(
    profile: Profile,
    gateway_url: str,
    key: str | None,
    desktop_mcp: DesktopMcpForm = "bridge",
    key_mode: KeyMode | None = None,
    helper_command: str | None = None,
    mcp_headers_command: str | None = None,
    key_store: str | None = None,
) -> Source:
    """``key_mode``: the command line's, else the profile's. The helper commands are given by the
    caller (they name this machine's interpreter and state folder)."""
    mode = key_mode or cast(KeyMode, profile.key_mode)
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
        key_mode=mode,
        helper_command=helper_command,
        mcp_headers_command=mcp_headers_command,
        key_store=key_store,
    )
