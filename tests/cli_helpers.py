"""What the CLI tests expect: the seed's profiles and env blocks, where each target lands on each
platform, and what it holds. The scratch machine and the ways to run cbcfg in it are the one
harness, tests/support/scratch_home.py (its names are re-exported here for the tests that use them).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support.scratch_home import (
    KEY,
    NON_BIFROST_KEY,
    OTHER_KEY,
    SCRUBBED_ENV,
    Result,
    Scratch,
    make_scratch,
    read_json,
    scratch,
    snapshot_tree,
    targets_args,
    write,
)

__all__ = [
    "KEY",
    "NON_BIFROST_KEY",
    "OTHER_KEY",
    "SCRUBBED_ENV",
    "Result",
    "Scratch",
    "make_scratch",
    "read_json",
    "scratch",
    "snapshot_tree",
    "targets_args",
    "write",
]

PROFILES = ("local", "production", "bedrock", "vertex", "azure")
PROVIDER_PROFILES = ("bedrock", "vertex", "azure")
PLATFORMS = ("linux", "macos", "windows")
LOCAL_URL = "http://localhost:8080"
PRODUCTION_URL = "https://bifrost.example.com"  # the seed's own production URL, given explicitly

# The seed's env blocks (seed-bifrost-claude-desktop.md), with the placeholder key replaced by KEY.
SEED_ENV: dict[str, dict[str, str]] = {
    "local": {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic"},
    "production": {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": "https://bifrost.example.com/anthropic"},
    "bedrock": {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic",
        "ANTHROPIC_DEFAULT_SONNET_MODEL": "bedrock/global.anthropic.claude-sonnet-4-6",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0",
    },
    "vertex": {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic",
        "ANTHROPIC_DEFAULT_SONNET_MODEL": "vertex/claude-sonnet-4-6",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": "vertex/claude-haiku-4-5",
    },
    "azure": {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic",
        "ANTHROPIC_DEFAULT_SONNET_MODEL": "azure/claude-sonnet-4-6",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": "azure/claude-haiku-4-5",
    },
}
OPUS = "ANTHROPIC_DEFAULT_OPUS_MODEL"


def gateway_of(profile: str) -> str:
    return PRODUCTION_URL if profile == "production" else LOCAL_URL


def profile_args(profile: str) -> list[str]:
    """What a profile needs on the command line besides the key (production: its real URL)."""
    return ["--gateway-url", PRODUCTION_URL] if profile == "production" else []


def expected_env(profile: str, env: Mapping[str, str], with_key: bool = True) -> dict[str, str]:
    """The seed's block for ``profile``; provider profiles additionally pin Opus to their provider
    (Claude Code's default model), which is checked here and taken from ``env``."""
    wanted = dict(SEED_ENV[profile])
    if not with_key:
        del wanted["ANTHROPIC_API_KEY"]
    if profile in PROVIDER_PROFILES:
        opus = env.get(OPUS, "")
        assert opus.startswith(profile + "/") and "opus" in opus, f"{profile}: Opus not pinned: {opus!r}"
        wanted[OPUS] = opus
    return wanted


# --- where each target lands, and what it holds --------------------------------------------------

ALL_TARGETS = ("code", "code-project", "code-local", "desktop", "code-mcp", "project-mcp", "managed")
DESKTOP_CONFIG = {
    "linux": ".config/Claude/claude_desktop_config.json",
    "macos": "Library/Application Support/Claude/claude_desktop_config.json",
    "windows": "AppData/Roaming/Claude/claude_desktop_config.json",
}
MANAGED_SETTINGS = {
    "linux": "etc/claude-code/managed-settings.json",
    "macos": "Library/Application Support/ClaudeCode/managed-settings.json",
    "windows": "Program Files/ClaudeCode/managed-settings.json",
}
STATE_DIR = {
    "linux": ".local/state/cbcfg",
    "macos": "Library/Application Support/cbcfg",
    "windows": "AppData/Local/cbcfg",
}
HOLDS_KEY = {"code", "code-local", "desktop", "code-mcp", "managed"}


def target_paths(scratch: Scratch, platform: str = "linux") -> dict[str, Path]:
    """Where each target must land (the README's table; the tests hold cbcfg's layout to it)."""
    return {
        "code": scratch.home / ".claude" / "settings.json",
        "code-project": scratch.project / ".claude" / "settings.json",
        "code-local": scratch.project / ".claude" / "settings.local.json",
        "desktop": scratch.home / DESKTOP_CONFIG[platform],
        "code-mcp": scratch.home / ".claude.json",
        "project-mcp": scratch.project / ".mcp.json",
        "managed": scratch.system_root / MANAGED_SETTINGS[platform],
    }


def expected_document(target: str, profile: str, written: Mapping[str, Any], form: str = "bridge") -> dict[str, Any]:
    """The whole document cbcfg creates for ``target`` (the file did not exist), with KEY."""
    mcp_url = gateway_of(profile) + "/mcp"
    if target in ("code", "code-local", "managed"):
        return {"env": expected_env(profile, written.get("env", {}))}
    if target == "code-project":
        return {"env": expected_env(profile, written.get("env", {}), with_key=False)}
    if target == "desktop" and form == "url":
        entry: dict[str, Any] = {"url": mcp_url, "headers": {"Authorization": f"Bearer {KEY}"}}
    elif target == "desktop":
        entry = {
            "command": "npx",
            "args": ["-y", "mcp-remote@0.15", mcp_url, "--header", "Authorization:${AUTH_HEADER}"],
            "env": {"AUTH_HEADER": f"Bearer {KEY}"},
        }
    elif target == "code-mcp":
        entry = {"type": "http", "url": mcp_url, "headers": {"Authorization": f"Bearer {KEY}"}}
    else:
        entry = {"type": "http", "url": mcp_url, "headers": {"Authorization": "Bearer ${BIFROST_VIRTUAL_KEY}"}}
    return {"mcpServers": {"bifrost": entry}}
