"""The desired state: what each target file should contain, built from the source (pure).

Every fragment is built here, one builder per kind of file; a target names its builder.
No I/O, no clock, no environment: everything comes in as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .jsondoc import item_segment, path_to_pointer, pointer_to_path
from .source import Source
from .vocabulary import (
    CUSTOM_HEADERS_ENV,
    DESKTOP_CONFIG_ID,
    DESKTOP_CONFIG_NAME,
    KEY_ENV_NAMES,
    KEY_REFERENCE,
    MCP_HEADERS_HELPER,
    VIRTUAL_KEY_ENV,
    VK_HEADER,
)


@dataclass(frozen=True)
class Fragment:
    """The part of one file a profile wants: JSON pointer -> wanted value. cbcfg owns exactly these."""

    wanted: dict[str, Any]
    secret: bool = False  # the file will hold the virtual key
    notes: tuple[str, ...] = ()  # what was left out, and why


def flatten(value: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Leaves of nested tables as (pointer, value): cbcfg owns leaves, never a user's whole table."""
    for key, item in value.items():
        if isinstance(item, Mapping) and item:
            yield from flatten(item, (*prefix, key))
        else:
            yield path_to_pointer((*prefix, key)), item


def settings_fragment(source: Source, with_key: bool = True) -> Fragment:
    """What a Claude Code settings file (user, project local, managed) gets."""
    wanted = {path_to_pointer(("env", name)): value for name, value in source.env(with_key).items()}
    wanted.update(flatten(source.settings))
    wanted.update({path_to_pointer((name,)): value for name, value in source.mode_settings().items()})
    notes: tuple[str, ...] = ()
    if source.key_mode == "helper":
        notes = (f"the key stays in {source.key_store or 'the key store'}: apiKeyHelper prints it to Claude Code",)
    elif source.key_mode == "login":
        notes = ("no key on this machine: Claude Code signs in to the gateway (/login, Cloud gateway)",)
    elif source.key is None:
        notes = (f"{source.key_env} left out: no virtual key given (set {VIRTUAL_KEY_ENV} or use --key-stdin)",)
    return Fragment(wanted, secret=with_key and source.key_on_disk, notes=notes)


def committed_settings_fragment(source: Source) -> Fragment:
    """A project's committed settings: everything but the key."""
    fragment = settings_fragment(source, with_key=False)
    note = f"{source.key_env} left out: this file is committed; the key goes in code-local or code"
    return Fragment(fragment.wanted, secret=False, notes=(note,))


def mcp_entry_pointer(source: Source) -> str:
    assert source.mcp_name is not None
    return path_to_pointer(("mcpServers", source.mcp_name))


_NO_MCP = Fragment({}, notes=("no MCP entry: the profile disables [mcp]",))
_NO_KEY_HEADER = "Authorization header left out: no virtual key given"


def _no_key_header(source: Source) -> str:
    if source.key_mode in ("helper", "login"):
        return f"Authorization header left out: key mode {source.key_mode} keeps the key off this file"
    return _NO_KEY_HEADER


def code_mcp_fragment(source: Source) -> Fragment:
    """Claude Code's user-scope MCP server: an http entry with the key as a Bearer header."""
    if source.mcp_name is None:
        return _NO_MCP
    entry: dict[str, Any] = {"type": "http", "url": source.mcp_url}
    if source.key_mode == "helper" and source.mcp_headers_command:
        entry[MCP_HEADERS_HELPER] = source.mcp_headers_command
        return Fragment({mcp_entry_pointer(source): entry}, notes=("the MCP header comes from the key helper",))
    if source.key_on_disk:
        entry["headers"] = {"Authorization": f"Bearer {source.key}"}
    notes = () if source.key_on_disk else (_no_key_header(source),)
    return Fragment({mcp_entry_pointer(source): entry}, secret=source.key_on_disk, notes=notes)


# The stdio bridge Claude Desktop starts for the Chat tab, pinned to a minor release (0.x: the
# minor is the breaking part); scripts/install-mcp-remote.sh installs the same line for the tests.
MCP_REMOTE_PACKAGE = "mcp-remote@0.15"
# mcp-remote takes plain http only to these hostnames (exactly), else it needs --allow-http.
_MCP_REMOTE_PLAIN_HTTP_HOSTS = ("localhost", "127.0.0.1")


def bridge_args(url: str) -> list[str]:
    """``npx`` arguments for the bridge to ``url``: the header names ${AUTH_HEADER}, never the key
    (the key is in the entry's env, so not in the process list, and its space survives Windows quoting)."""
    args = ["-y", MCP_REMOTE_PACKAGE, url]
    parts = urlsplit(url)
    if parts.scheme == "http" and parts.hostname not in _MCP_REMOTE_PLAIN_HTTP_HOSTS:
        args.append("--allow-http")
    return args


def _desktop_entry(source: Source) -> dict[str, Any]:
    bearer = f"Bearer {source.key}" if source.key_on_disk else None
    if source.desktop_mcp == "bridge":
        entry: dict[str, Any] = {"command": "npx", "args": bridge_args(source.mcp_url)}
        if bearer:
            entry["args"] += ["--header", "Authorization:${AUTH_HEADER}"]
            entry["env"] = {"AUTH_HEADER": bearer}
        return entry
    entry = {"url": source.mcp_url}
    if bearer:
        entry["headers"] = {"Authorization": bearer}
    return entry


# What claude_desktop_config.json says about the sign-in chooser: "3p" starts Desktop on the
# configuration library (undocumented; Ollama, cc-switch and AntSeed write it; a library applied
# under "1p" gets no gateway traffic, lidge-jun/opencodex#4666).
DESKTOP_MODE_POINTER = "/deploymentMode"


def desktop_mcp_fragment(source: Source) -> Fragment:
    """Claude Desktop's claude_desktop_config.json: the MCP server in the stdio bridge form or the
    url form, and the deployment mode when Desktop's gateway inference is applied too."""
    wanted: dict[str, Any] = {}
    notes: tuple[str, ...] = ()
    if source.mcp_name is None:
        notes = _NO_MCP.notes
    else:
        wanted[mcp_entry_pointer(source)] = _desktop_entry(source)
        notes = () if source.key_on_disk else (_no_key_header(source),)
    if source.desktop_gateway:
        wanted[DESKTOP_MODE_POINTER] = "3p"
    return Fragment(wanted, secret=source.key_on_disk and source.mcp_name is not None, notes=notes)


# --- Claude Desktop's gateway inference (the configuration library) --------------------------------

# What Desktop accepts in inferenceModels (a fail-all check since 1.6259.1: one name it rejects
# rejects the list): a bare family alias, or a name that references an Anthropic model.
_DESKTOP_ALIAS = re.compile(r"(sonnet|opus|haiku)(-[\d.]+)?\Z")
_DESKTOP_MODEL_WORDS = ("claude", "sonnet", "opus", "haiku", "anthropic")
DESKTOP_TIERS = ("sonnet", "opus", "haiku")  # anthropicFamilyTier values cbcfg can name from a pin
# Desktop refuses an empty key field; a gateway that enforces no key gets this (Bifrost reads
# Bearer values as a virtual key only when they start with sk-bf-).
DESKTOP_NO_KEY = "no-virtual-key"
DESKTOP_KEY_POINTER = "/inferenceGatewayApiKey"
DESKTOP_HELPER_POINTER = "/inferenceCredentialHelper"


def desktop_model_problem(name: str) -> str | None:
    """Why Desktop would refuse ``name`` in inferenceModels, or None."""
    if "[" in name:
        return "a [1m]-style suffix is not a model ID for Desktop (it has supports1m instead)"
    if _DESKTOP_ALIAS.match(name) or any(word in name.lower() for word in _DESKTOP_MODEL_WORDS):
        return None
    return "not recognisably a Claude model; Desktop refuses the whole list for one such name"


def desktop_models(source: Source) -> tuple[list[dict[str, Any]], list[str]]:
    """The profile's pins as inferenceModels (default first: Desktop's default model is the first
    entry), and a note for each pin left out."""
    models: list[dict[str, Any]] = []
    left_out: list[str] = []
    seen: set[str] = set()
    order = ["default", *DESKTOP_TIERS, *(tier for tier in source.models if tier not in DESKTOP_TIERS)]
    for tier in dict.fromkeys(order):
        name = source.models.get(tier)
        if name is None or name in seen:
            continue
        problem = desktop_model_problem(name)
        if problem:
            left_out.append(f"inferenceModels: {tier} pin {name!r} left out: {problem}")
            continue
        seen.add(name)
        entry: dict[str, Any] = {"name": name}
        if tier in DESKTOP_TIERS:
            entry["anthropicFamilyTier"] = tier
        models.append(entry)
    return models, left_out


def desktop_key_mode(source: Source) -> str:
    """The profile's key mode: "helper" puts a credential helper in the file instead of the key."""
    return source.key_mode


def desktop_credential_helper(source: Source) -> str | None:
    """Key mode "helper": the command that prints the key from cbcfg's key store (the one Claude
    Code's apiKeyHelper runs); Desktop runs its credential helper and reads the key from stdout."""
    return source.helper_command


def desktop_gateway_fragment(source: Source) -> Fragment:
    """Claude Desktop's third-party inference configuration (flat keys, the MDM names): Bifrost's
    Anthropic route, the credential, Bearer (what Bifrost reads as a virtual key), the model pins."""
    wanted: dict[str, Any] = {
        "/inferenceProvider": "gateway",
        "/inferenceGatewayBaseUrl": desktop_base_url(source.base_url),
        "/inferenceGatewayAuthScheme": "bearer",
    }
    notes: list[str] = []
    if source.base_url != wanted["/inferenceGatewayBaseUrl"]:
        notes.append(
            "inferenceGatewayBaseUrl: localhost written as 127.0.0.1 (Desktop's plain-http rule wants the literal)"
        )
    secret = False
    helper = desktop_credential_helper(source) if desktop_key_mode(source) == "helper" else None
    if helper is not None:
        wanted[DESKTOP_HELPER_POINTER] = helper
    elif source.key:
        wanted[DESKTOP_KEY_POINTER] = source.key
        secret = True
    else:
        wanted[DESKTOP_KEY_POINTER] = DESKTOP_NO_KEY
        notes.append(
            f"inferenceGatewayApiKey is {DESKTOP_NO_KEY!r}: no virtual key given, and Desktop needs the field set"
        )
    models, left_out = desktop_models(source)
    if models:
        wanted["/inferenceModels"] = models
    else:
        notes.append("inferenceModels left out: no usable pins; Desktop lists what /anthropic/v1/models offers")
    notes += left_out
    return Fragment(wanted, secret=secret, notes=tuple(notes))


def desktop_base_url(base_url: str) -> str:
    """The base URL as Desktop should get it: plain http only to the literal loopback address.
    Desktop refuses plain http to any other host ("baseUrl: must use https (or http on loopback)")."""
    parts = urlsplit(base_url)
    if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        from .errors import RefusedError

        raise RefusedError(
            f"desktop-gateway: Claude Desktop refuses {base_url}: plain http is allowed only to this machine "
            "(its rule: https, or http on loopback)",
            "use an https:// gateway URL, or leave -t desktop-gateway out",
        )
    if parts.scheme == "http" and parts.hostname == "localhost":
        return base_url.replace("//localhost", "//127.0.0.1", 1)
    return base_url


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def desktop_library_fragment(source: Source) -> Fragment:
    """The library's _meta.json: cbcfg's entry (other configurations kept) and applied."""
    entry = {"id": DESKTOP_CONFIG_ID, "name": DESKTOP_CONFIG_NAME}
    return Fragment(
        {"/appliedId": DESKTOP_CONFIG_ID, path_to_pointer(("entries", item_segment("id", DESKTOP_CONFIG_ID))): entry}
    )


def project_mcp_fragment(source: Source) -> Fragment:
    """A project's committed MCP server: the key as a reference Claude Code expands, never the key."""
    if source.mcp_name is None:
        return _NO_MCP
    entry = {"type": "http", "url": source.mcp_url, "headers": {"Authorization": f"Bearer {KEY_REFERENCE}"}}
    note = f"the key is written as {KEY_REFERENCE}: export it where Claude Code runs"
    return Fragment({mcp_entry_pointer(source): entry}, secret=False, notes=(note,))


def _key_place(pointer: str) -> str | None:
    parts = pointer_to_path(pointer)
    if len(parts) == 2 and parts[0] == "env" and parts[1] in KEY_ENV_NAMES:
        return "env"
    if parts == ("env", CUSTOM_HEADERS_ENV):
        return "header"
    if parts == ("inferenceGatewayApiKey",):
        return "env"
    if parts[:1] == ("mcpServers",) and parts[-2:] in (("headers", "Authorization"), ("env", "AUTH_HEADER")):
        return "bearer"
    return None


def holds_key(pointer: str) -> bool:
    """Whether a builder above puts the virtual key at ``pointer``: a settings key variable, an MCP
    entry's Authorization header, or the bridge's AUTH_HEADER."""
    return _key_place(pointer) is not None


def key_written_at(pointer: str, value: Any) -> str | None:
    """The virtual key in ``value``, if ``pointer`` is a place that holds it and the value holds one."""
    place = _key_place(pointer)
    if place is None or not isinstance(value, str) or not value or value == DESKTOP_NO_KEY:
        return None
    if place == "env":
        return value
    if place == "header":
        from .layers import custom_header

        return custom_header(value, VK_HEADER) or None
    bearer = value.removeprefix("Bearer ")
    return bearer if bearer != value and bearer and not bearer.startswith("${") else None
