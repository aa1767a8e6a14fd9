"""The names the product is made of, written once: the variables Claude Code reads, the ones cbcfg
reads, the project files, and what counts as a gateway URL."""

from __future__ import annotations

from urllib.parse import urlsplit

# What the user gives cbcfg (never on a command line for the key).
VIRTUAL_KEY_ENV = "BIFROST_VIRTUAL_KEY"
GATEWAY_URL_ENV = "BIFROST_URL"
# How a committed file names the key: Claude Code expands it from the environment.
KEY_REFERENCE = "${" + VIRTUAL_KEY_ENV + "}"

# What Claude Code reads. The key goes in one of two variables: x-api-key or Authorization: Bearer.
BASE_URL_ENV = "ANTHROPIC_BASE_URL"
API_KEY_ENV = "ANTHROPIC_API_KEY"
AUTH_TOKEN_ENV = "ANTHROPIC_AUTH_TOKEN"
KEY_ENV_NAMES = (API_KEY_ENV, AUTH_TOKEN_ENV)
# Model tier -> the variable that pins it, in the order settings files list them.
MODEL_ENV = {
    "sonnet": "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "opus": "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "haiku": "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "default": "ANTHROPIC_MODEL",
}
# Names whose values are secrets whatever they look like (settings env, MCP headers, the bridge's env).
SECRET_ENV_NAMES = frozenset(KEY_ENV_NAMES)
SECRET_FIELD_NAMES = (*KEY_ENV_NAMES, "AUTH_HEADER", "Authorization", "authorization", "x-api-key", "x-bf-vk")

# How the credential reaches Claude Code (a profile's [gateway] key_mode, apply --key-mode).
KEY_MODES = ("key", "helper", "header", "login")
DEFAULT_KEY_MODE = "key"
API_KEY_HELPER = "apiKeyHelper"  # settings: a command whose output is sent as x-api-key and Bearer
HELPER_TTL_ENV = "CLAUDE_CODE_API_KEY_HELPER_TTL_MS"  # how often Claude Code re-runs it
HELPER_TTL_MS = "60000"  # a rotated key is picked up within a minute, no restart
MCP_HEADERS_HELPER = "headersHelper"  # an MCP http entry's command printing its headers as JSON
CUSTOM_HEADERS_ENV = "ANTHROPIC_CUSTOM_HEADERS"  # newline-separated "Name: value" lines
VK_HEADER = "x-bf-vk"  # the header Bifrost reads its virtual key from first
FORCE_LOGIN_METHOD = "forceLoginMethod"
FORCE_LOGIN_GATEWAY_URL = "forceLoginGatewayUrl"
LOGIN_GATEWAY_PATH = "/claude-code"  # Bifrost's Claude Code gateway (OAuth device flow) under its root
# cbcfg's key store: the OS keyring (service name), or the 0600 fallback files in the state folder.
KEYRING_SERVICE = "claude-bifrost-cfg"
KEY_STORE_ENV = "CBCFG_KEY_STORE"  # "keyring" or "file": choose the store instead of probing
KEY_HELPER_SCRIPT = "cbcfg-key-helper"
# The helper program to name instead of this interpreter's, when the user who runs Claude Code
# cannot run cbcfg's own (root provisioning another user's home, an interpreter under /root).
KEY_HELPER_ENV = "CBCFG_KEY_HELPER"
# Claude Desktop's local configuration library: the one configuration cbcfg owns in it (a fixed,
# UUID-shaped id, as other writers use: re-applying any profile updates the same configuration).
DESKTOP_CONFIG_ID = "00000000-0000-4000-8000-00000000cbcf"
DESKTOP_CONFIG_NAME = "Bifrost (cbcfg)"

# A project's Claude Code files, relative to the project folder.
PROJECT_SETTINGS = (".claude", "settings.json")  # committed, shared with the team
PROJECT_LOCAL_SETTINGS = (".claude", "settings.local.json")  # personal, git-ignored
PROJECT_MCP = (".mcp.json",)  # committed


def is_http_url(url: str) -> bool:
    """An http:// or https:// URL with a host: the only kind Claude Code and Bifrost can use."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
