"""The Bifrost setup in effect now, as a profile: what ``cbcfg import`` writes.

Read from the layers ``explain`` reads (the gateway URL from ``ANTHROPIC_BASE_URL`` without
``/anthropic``, the model pins, which variable carries the key, Claude Code's own variables) and from
the MCP files (an entry pointing at the gateway's ``/mcp``). The profile's targets are the files that
hold the setup, so that applying it right away changes nothing. Never the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import BadFileError, RefusedError
from .layers import Layer, read_layers, resolution_keys, resolve, resolve_credentials
from .layout import Layout
from .profiles import DERIVED_ENV, ENV_NAME, check_gateway_url, key_held
from .vocabulary import AUTH_TOKEN_ENV, BASE_URL_ENV, MODEL_ENV, SECRET_FIELD_NAMES

# Which settings layer each settings target writes.
LAYER_TARGETS = {"user": "code", "project": "code-project", "project-local": "code-local"}
MCP_TARGETS = ("code-mcp", "project-mcp", "desktop")
# Extra variables a profile carries over: Claude Code's own, and Anthropic ones cbcfg does not derive.
IMPORTED_ENV_PREFIXES = ("CLAUDE_CODE_", "ANTHROPIC_", "DISABLE_")
NOT_IMPORTED_ENV = frozenset({"ANTHROPIC_CUSTOM_HEADERS", *SECRET_FIELD_NAMES})


@dataclass
class Imported:
    """The profile's tables, what it was read from, and what could not be carried over."""

    gateway_url: str
    key_env: str
    require_key: bool
    models: dict[str, str]
    env: dict[str, str]
    settings: dict[str, Any]
    mcp_name: str | None
    targets: list[str]
    read_from: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _env_of(layer: Layer) -> Mapping[str, Any]:
    env = layer.values.get("env")
    return env if isinstance(env, dict) else {}


def read_setup(layout: Layout, environment: Mapping[str, str]) -> Imported:
    """What is in effect now (reads only)."""
    layers = read_layers(layout, environment)
    effective = {item.key: item for item in resolve(layers, resolution_keys(), {})}
    base = effective[BASE_URL_ENV].winner
    if base is None or not isinstance(base.value, str):
        raise RefusedError(
            f"no Bifrost setup in effect: {BASE_URL_ENV} is set in no settings file and not in the environment",
            "apply a profile (cbcfg apply local) or write one: cbcfg profile new NAME",
        )
    root = base.value.rstrip("/")
    if not root.endswith("/anthropic"):
        raise RefusedError(
            f"{BASE_URL_ENV} = {base.value!r} ({base.where}) is not a Bifrost URL ending in /anthropic",
            "point it at the gateway's /anthropic route first",
        )
    try:
        gateway_url = check_gateway_url(root.removesuffix("/anthropic"))
    except ValueError as exc:
        raise RefusedError(f"{BASE_URL_ENV} ({base.where}): the gateway URL {exc}", "fix that value first") from None

    holding = [
        layer for layer in layers if layer.name in LAYER_TARGETS and _env_of(layer).get(BASE_URL_ENV) == base.value
    ]
    imported = Imported(
        gateway_url=gateway_url,
        key_env=AUTH_TOKEN_ENV
        if _set(effective, AUTH_TOKEN_ENV) and not _set(effective, "ANTHROPIC_API_KEY")
        else "ANTHROPIC_API_KEY",
        require_key=resolve_credentials(effective).read is not None,
        models={
            tier: str(w.value)
            for tier, name in MODEL_ENV.items()
            if (w := effective[name].winner) is not None and isinstance(w.value, str) and w.value
        },
        env={},
        settings={},
        mcp_name=None,
        targets=[LAYER_TARGETS[layer.name] for layer in reversed(holding)],
        read_from=[base.where],
    )
    if base.layer == "managed":
        imported.notes.append("the gateway URL comes from managed settings; the profile's targets are your own files")
    # Claude Code's own variables, as the target layers hold them (higher layers win).
    for layer in reversed(holding):
        for name, value in _env_of(layer).items():
            if (
                isinstance(value, str)
                and name.startswith(IMPORTED_ENV_PREFIXES)
                and ENV_NAME.match(name)
                and name not in DERIVED_ENV
                and name not in MODEL_ENV.values()
                and name not in NOT_IMPORTED_ENV
                and key_held(value) is None
            ):
                imported.env[name] = value
        model = layer.values.get("model")
        if isinstance(model, str) and model:
            imported.settings["model"] = model
    for layer in holding:
        if f"{layer.name} {layer.shown}" not in imported.read_from:
            imported.read_from.append(f"{layer.name} {layer.shown}")
    _read_mcp(layout, imported)
    if not imported.targets:
        imported.notes.append("no settings file holds the gateway URL (the environment does); targets: code")
        imported.targets = ["code"]
    return imported


def _set(effective: Mapping[str, Any], key: str) -> bool:
    winner = effective[key].winner if key in effective else None
    return winner is not None and isinstance(winner.value, str) and bool(winner.value)


def _read_mcp(layout: Layout, imported: Imported) -> None:
    """An MCP entry pointing at the gateway's /mcp, in each MCP file (its name becomes [mcp] name)."""
    from .fsio import read_snapshot
    from .jsondoc import JsonDocError, parse_document
    from .layout import display_path
    from .targets import get_target

    wanted = imported.gateway_url + "/mcp"
    for name in MCP_TARGETS:
        path = get_target(name).path(layout)
        shown = display_path(path, layout.home)
        try:
            snapshot = read_snapshot(path, shown)
            if snapshot.data is None:
                continue
            servers = parse_document(snapshot.data, {"mcpServers": None}).values.get("mcpServers")
        except (BadFileError, JsonDocError) as exc:
            imported.notes.append(f"{shown}: not read ({getattr(exc, 'message', exc)})")
            continue
        if not isinstance(servers, dict):
            continue
        for server, entry in servers.items():
            if isinstance(entry, dict) and _points_at(entry, wanted):
                if imported.mcp_name not in (None, server):
                    imported.notes.append(
                        f"{shown}: MCP entry {server!r} left out (the profile names {imported.mcp_name!r})"
                    )
                    break
                imported.mcp_name = server
                imported.targets.append(name)
                imported.read_from.append(f"{shown} (mcpServers.{server})")
                if name == "desktop" and "url" not in entry:
                    imported.notes.append(f"{shown}: the entry is the stdio bridge: apply with --desktop-mcp bridge")
                break


def _points_at(entry: Mapping[str, Any], url: str) -> bool:
    if entry.get("url") == url:
        return True
    args = entry.get("args")
    return isinstance(args, list) and url in args


def profile_text(name: str, imported: Imported) -> str:
    """The profile as TOML, with comments saying where each part came from."""
    import tomlkit

    document = tomlkit.document()
    document.add(tomlkit.comment(f"cbcfg profile {name!r}, imported by 'cbcfg import' from what was in effect:"))
    for where in imported.read_from:
        document.add(tomlkit.comment(f"  {where}"))
    document.add(tomlkit.comment("Never a key in here: give it in BIFROST_VIRTUAL_KEY or with --key-stdin."))
    document.add("description", f"Imported from {imported.read_from[0]}")
    document.add("targets", imported.targets)
    for note in imported.notes:
        document.add(tomlkit.comment(f"note: {note}"))
    gateway = tomlkit.table()
    gateway.add("url", imported.gateway_url)
    gateway.add("require_key", imported.require_key)
    gateway.add("key_env", imported.key_env)
    document.add(tomlkit.nl())
    document.add("gateway", gateway)
    if imported.models:
        models = tomlkit.table()
        for tier, model in imported.models.items():
            models.add(tier, model)
        document.add("models", models)
    if imported.env:
        env = tomlkit.table()
        for variable, value in imported.env.items():
            env.add(variable, value)
        document.add("env", env)
    if imported.settings:
        settings = tomlkit.table()
        for key, value in imported.settings.items():
            settings.add(key, value)
        document.add("settings", settings)
    mcp = tomlkit.table()
    mcp.add("enabled", imported.mcp_name is not None)
    if imported.mcp_name is not None:
        mcp.add("name", imported.mcp_name)
    document.add("mcp", mcp)
    return tomlkit.dumps(document)
