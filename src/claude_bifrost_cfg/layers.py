"""Effective settings: which layer's value Claude Code will use, as the client resolves them.

Precedence, highest first (observed from the real client): managed (drop-ins in
``managed-settings.d/*.json`` over ``managed-settings.json``, later file name wins) → project local
→ project → user → the process environment (settings ``env`` wins over the shell). ``env`` merges
key by key across layers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BadFileError
from .fsio import decode_text, read_snapshot
from .jsondoc import JsonDocError, parse_document
from .layout import Layout, display_path
from .plan import Record, digest

ENV_KEYS = (
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "ANTHROPIC_MODEL",
)
SETTINGS_KEYS = ("model", "apiKeyHelper")
SECRET_KEYS = frozenset({"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"})


@dataclass(frozen=True)
class Layer:
    name: str  # managed, project-local, project, user, environment
    path: Path | None
    shown: str
    values: Mapping[str, Any]  # the file's top-level members (env under "env")
    exists: bool
    error: str | None = None


@dataclass(frozen=True)
class Setting:
    """One layer's value of one key."""

    layer: str
    shown: str
    path: Path | None
    value: Any
    set_by_cbcfg: str | None = None  # the profile, when cbcfg wrote exactly this value there

    @property
    def where(self) -> str:
        """For messages: "user ~/.claude/settings.json", or "the process environment"."""
        return f"{self.layer} {self.shown}" if self.path is not None else f"the {self.shown}"


@dataclass(frozen=True)
class Effective:
    key: str
    winner: Setting | None
    shadowed: tuple[Setting, ...] = field(default=())  # lower layers that set it too

    @property
    def overrides_cbcfg(self) -> tuple[Setting, ...]:
        """Values cbcfg wrote that a higher layer overrides with something else."""
        if self.winner is None:
            return ()
        return tuple(s for s in self.shadowed if s.set_by_cbcfg and s.value != self.winner.value)


def _read_layer(name: str, path: Path, home: Path) -> Layer:
    shown = display_path(path, home)
    try:
        snapshot = read_snapshot(path, shown)
        if snapshot.data is None:
            return Layer(name, path, shown, {}, False)
        document = parse_document(decode_text(snapshot.data, shown))
    except BadFileError as exc:
        return Layer(name, path, shown, {}, True, exc.message)
    except JsonDocError as exc:
        return Layer(name, path, shown, {}, True, f"{shown}: {exc}")
    return Layer(name, path, shown, document.values, True)


def managed_files(layout: Layout) -> list[Path]:
    """The main managed file, then its drop-ins in the order they apply (later wins)."""
    drop_ins = layout.managed_dir / "managed-settings.d"
    extra = sorted(drop_ins.glob("*.json")) if drop_ins.is_dir() else []
    return [layout.managed_settings, *extra]


def read_layers(layout: Layout, environment: Mapping[str, str]) -> list[Layer]:
    """All layers, highest precedence first; drop-ins before the main managed file."""
    layers = [_read_layer("managed", path, layout.home) for path in reversed(managed_files(layout))]
    layers.append(_read_layer("project-local", layout.project / ".claude" / "settings.local.json", layout.home))
    layers.append(_read_layer("project", layout.project / ".claude" / "settings.json", layout.home))
    layers.append(_read_layer("user", layout.user_settings, layout.home))
    env = {key: environment[key] for key in ENV_KEYS if key in environment}
    layers.append(Layer("environment", None, "process environment", {"env": env}, bool(env)))
    return layers


def _lookup(layer: Layer, key: str) -> tuple[bool, Any]:
    if key in SETTINGS_KEYS:
        return (key in layer.values), layer.values.get(key)
    env = layer.values.get("env")
    if isinstance(env, dict) and key in env:
        return True, env[key]
    return False, None


def _pointer(key: str) -> str:
    return f"/{key}" if key in SETTINGS_KEYS else f"/env/{key}"


def resolve(layers: Sequence[Layer], keys: Sequence[str], records: Mapping[str, Record]) -> list[Effective]:
    """For each key, the winning layer's value and the lower layers it shadows (pure)."""
    results = []
    for key in keys:
        found: list[Setting] = []
        for layer in layers:
            present, value = _lookup(layer, key)
            if not present:
                continue
            record = records.get(str(layer.path)) if layer.path else None
            owned = record.owned.get(_pointer(key)) if record else None
            by_cbcfg = record.profile if record and owned == digest(value) else None
            found.append(Setting(layer.name, layer.shown, layer.path, value, by_cbcfg))
        results.append(Effective(key, found[0] if found else None, tuple(found[1:])))
    return results


def all_keys() -> tuple[str, ...]:
    return (*ENV_KEYS, *SETTINGS_KEYS)
