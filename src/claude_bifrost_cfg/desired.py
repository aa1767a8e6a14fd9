"""The desired state: what each target file should contain, built from the source (pure).

Every fragment is built here, one builder per kind of file; a target names its builder.
No I/O, no clock, no environment: everything comes in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .jsondoc import path_to_pointer, pointer_to_path
from .source import Source
from .vocabulary import (
    CUSTOM_HEADERS_ENV,
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


def _desktop_entry(source: Source) -> dict[str, Any]:
    bearer = f"Bearer {source.key}" if source.key_on_disk else None
    if source.desktop_mcp == "bridge":
        entry: dict[str, Any] = {"command": "npx", "args": ["-y", "mcp-remote", source.mcp_url]}
        if bearer:
            entry["args"] += ["--header", "Authorization:${AUTH_HEADER}"]
            entry["env"] = {"AUTH_HEADER": bearer}
        return entry
    entry = {"url": source.mcp_url}
    if bearer:
        entry["headers"] = {"Authorization": bearer}
    return entry


def desktop_mcp_fragment(source: Source) -> Fragment:
    """Claude Desktop's MCP server, in the url form or the stdio bridge form."""
    if source.mcp_name is None:
        return _NO_MCP
    notes = () if source.key_on_disk else (_no_key_header(source),)
    return Fragment({mcp_entry_pointer(source): _desktop_entry(source)}, secret=source.key_on_disk, notes=notes)


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
    if place is None or not isinstance(value, str) or not value:
        return None
    if place == "env":
        return value
    if place == "header":
        from .layers import custom_header

        return custom_header(value, VK_HEADER) or None
    bearer = value.removeprefix("Bearer ")
    return bearer if bearer != value and bearer and not bearer.startswith("${") else None
