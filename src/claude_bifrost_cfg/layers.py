r"""Effective settings: which layer's value Claude Code will use, as the client resolves them.

Precedence, highest first (observed from the real client): managed (drop-ins in
``managed-settings.d/*.json`` over ``managed-settings.json``, later file name wins) → project local
→ project → user → the process environment (settings ``env`` wins over the shell). ``env`` merges
key by key across layers.

Managed settings come from several sources, highest first (2.1.332's ``managedSourcesBehavior``
description, the facts file): server-managed (cached in ``~/.claude/remote-settings.json``) > MDM
(the macOS managed-preferences plist, or ``HKLM\SOFTWARE\Policies\ClaudeCode``) > the file
(``managed-settings.json`` and its drop-ins) > ``HKCU\SOFTWARE\Policies\ClaudeCode`` (only when
no admin source exists). By default (``"first-wins"``) the highest source present is the managed
tier alone; ``"merge"`` deep-merges them in that order. The knob is read from the highest source
that is present or sets it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BadFileError
from .fsio import read_snapshot
from .jsondoc import JsonDocError, parse_document
from .layout import Layout, display_path
from .plan import Record, digest
from .secrets import mask_key

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
# Also read from every layer (not rows of explain): what decides the model and the headers sent.
RESOLVED_ENV_KEYS = ("ANTHROPIC_DEFAULT_MODEL", "ANTHROPIC_DEFAULT_FABLE_MODEL", "ANTHROPIC_CUSTOM_HEADERS")
SECRET_KEYS = frozenset({"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"})


@dataclass(frozen=True)
class Layer:
    name: str  # managed, project-local, project, user, environment
    path: Path | None
    shown: str
    values: Mapping[str, Any]  # the file's top-level members (env under "env")
    exists: bool
    error: str | None = None
    source: str | None = None  # a managed layer's source: server-managed, mdm, file or hkcu
    ignored: str | None = None  # why the client does not use this managed layer (another source applies)


@dataclass(frozen=True)
class Setting:
    """One layer's value of one key."""

    layer: str
    shown: str
    path: Path | None
    value: Any
    set_by_cbcfg: str | None = None  # the profile, when cbcfg wrote exactly this value there
    ignored: str | None = None  # the layer is a managed source the client does not use: why

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
        return tuple(s for s in self.shadowed if s.set_by_cbcfg and s.ignored is None and s.value != self.winner.value)


def _read_layer(name: str, path: Path, home: Path, source: str | None = None) -> Layer:
    shown = display_path(path, home)
    try:
        snapshot = read_snapshot(path, shown)
        if snapshot.data is None:
            return Layer(name, path, shown, {}, False, source=source)
        document = parse_document(snapshot.data)
    except BadFileError as exc:
        return Layer(name, path, shown, {}, True, exc.message, source=source)
    except JsonDocError as exc:
        return Layer(name, path, shown, {}, True, f"{shown}: {exc}", source=source)
    return Layer(name, path, shown, document.values, True, source=source)


def managed_files(layout: Layout) -> list[Path]:
    """The main managed file, then its drop-ins in the order they apply (later wins).

    As the client lists them (2.1.332): entries of ``managed-settings.d`` that are files or symbolic
    links, whose names end in ``.json`` (case matters) and do not start with a dot, sorted as
    JavaScript sorts strings (by UTF-16 code units).
    """
    drop_ins = layout.managed_drop_ins
    try:
        entries = list(os.scandir(drop_ins))
    except OSError:  # absent, not a folder, or unreadable: the client reads no drop-in either
        entries = []
    names = [
        entry.name
        for entry in entries
        if entry.name.endswith(".json")
        and not entry.name.startswith(".")
        and (entry.is_symlink() or entry.is_file(follow_symlinks=False))
    ]
    names.sort(key=lambda name: name.encode("utf-16-be", "surrogatepass"))
    return [layout.managed_settings, *(drop_ins / name for name in names)]


# Settings that steer how managed sources compose; a source holding only these is no policy.
SOURCE_KNOBS = frozenset({"managedSourcesBehavior", "wslInheritsWindowsSettings"})
SOURCE_ORDER = ("server-managed", "mdm", "file", "hkcu")
# Why a lower source is not used, by the source that applies.
_APPLIES_INSTEAD = {
    "server-managed": "server-managed settings are in place (~/.claude/remote-settings.json)",
    "mdm": "a configuration profile for com.anthropic.claudecode is installed",
    "file": "managed-settings.json (or a drop-in) is in place",
}


def _policy_layer(path: Path, home: Path, source: str, read: Any) -> Layer:
    """A managed layer from a plist or .reg (``read``: bytes -> settings), as ``_read_layer`` does JSON."""
    from .policy_sources import PolicyFileError

    shown = display_path(path, home)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Layer("managed", path, shown, {}, False, source=source)
    except OSError as exc:
        return Layer("managed", path, shown, {}, True, f"{shown}: cannot read: {exc.strerror}", source=source)
    try:
        values = read(data)
    except PolicyFileError as exc:
        return Layer("managed", path, shown, {}, True, f"{shown}: {exc}", source=source)
    return Layer("managed", path, shown, values, True, source=source)


def _registry_layers(policy_file: Path, home: Path) -> list[Layer]:
    """The HKLM (mdm) and HKCU layers of an exported .reg, or a plist given as --policy-file."""
    from .policy_sources import PolicyFileError, is_plist, read_plist, reg_policies, settings_json

    shown = display_path(policy_file, home)
    try:
        data = policy_file.read_bytes()
    except OSError as exc:
        return [Layer("managed", policy_file, shown, {}, True, f"{shown}: cannot read: {exc.strerror}", source="mdm")]
    if is_plist(data):
        return [_policy_layer(policy_file, home, "mdm", read_plist)]
    try:
        found = reg_policies(data)
    except PolicyFileError as exc:
        return [Layer("managed", policy_file, shown, {}, True, f"{shown}: {exc}", source="mdm")]
    layers = []
    for hive, source in (("HKLM", "mdm"), ("HKCU", "hkcu")):
        where = f"{shown} ({hive}\\SOFTWARE\\Policies\\ClaudeCode)"
        if hive not in found:
            continue
        try:
            values = settings_json(found[hive], where)
        except PolicyFileError as exc:
            layers.append(Layer("managed", policy_file, where, {}, True, str(exc), source=source))
            continue
        layers.append(Layer("managed", policy_file, where, values, True, source=source))
    return layers


def managed_layers(layout: Layout, policy_file: Path | None = None) -> list[Layer]:
    """Every managed source this machine shows (and ``policy_file``), highest first, each layer
    marked ``ignored`` where the client would not use it (``managedSourcesBehavior``)."""
    from .policy_sources import read_plist

    layers = [_read_layer("managed", layout.server_managed_cache, layout.home, "server-managed")]
    for plist in layout.managed_preferences(layout.home.name):
        layer = _policy_layer(plist, layout.home, "mdm", read_plist)
        if layer.exists:  # the client reads the first plist found: the user's, else the device's
            layers.append(layer)
            break
    extra = _registry_layers(policy_file, layout.home) if policy_file is not None else []
    layers += [layer for layer in extra if layer.source == "mdm"]
    layers += [_read_layer("managed", path, layout.home, "file") for path in reversed(managed_files(layout))]
    layers += [layer for layer in extra if layer.source == "hkcu"]
    return mark_ignored([layer for layer in layers if layer.exists or layer.source == "file"])


def is_present(layer: Layer) -> bool:
    """A layer holding policy: read, and setting something besides the composition knobs."""
    return layer.exists and layer.error is None and any(key not in SOURCE_KNOBS for key in layer.values)


def source_behavior(layers: Sequence[Layer]) -> str:
    """``managedSourcesBehavior`` as the client reads it: from the highest admin source that is
    present or sets it; "first-wins" unless that says "merge"."""
    for source in SOURCE_ORDER[:3]:
        group = [layer for layer in layers if layer.source == source]
        knob = next(
            (layer.values["managedSourcesBehavior"] for layer in group if "managedSourcesBehavior" in layer.values),
            None,
        )
        if knob is not None or any(is_present(layer) for layer in group):
            return "merge" if knob == "merge" else "first-wins"
    return "first-wins"


def mark_ignored(layers: Sequence[Layer]) -> list[Layer]:
    """The managed layers with ``ignored`` set on those the client does not use (pure)."""
    from dataclasses import replace

    present = [
        source for source in SOURCE_ORDER[:3] if any(is_present(layer) and layer.source == source for layer in layers)
    ]
    behavior = source_behavior(layers)
    marked = []
    for layer in layers:
        why = None
        if layer.source == "hkcu" and present:
            why = f"HKCU is read only when no admin source exists, and {_APPLIES_INSTEAD[present[0]]}"
        elif behavior == "first-wins" and present and layer.source in SOURCE_ORDER[:3] and layer.source != present[0]:
            why = (
                f"{_APPLIES_INSTEAD[present[0]]} (managedSourcesBehavior first-wins: the highest source applies alone)"
            )
        marked.append(replace(layer, ignored=why) if why else layer)
    return marked


def read_layers(layout: Layout, environment: Mapping[str, str], policy_file: Path | None = None) -> list[Layer]:
    """All layers, highest precedence first: the managed sources (server-managed, MDM, the file's
    drop-ins before its main file, HKCU), then the project's, the user's, the environment."""
    layers = managed_layers(layout, policy_file)
    layers.append(_read_layer("project-local", layout.project / ".claude" / "settings.local.json", layout.home))
    layers.append(_read_layer("project", layout.project / ".claude" / "settings.json", layout.home))
    layers.append(_read_layer("user", layout.user_settings, layout.home))
    env = {key: environment[key] for key in (*ENV_KEYS, *RESOLVED_ENV_KEYS) if key in environment}
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
            found.append(Setting(layer.name, layer.shown, layer.path, value, by_cbcfg, layer.ignored))
        used = [setting for setting in found if setting.ignored is None]
        winner = used[0] if used else None
        results.append(Effective(key, winner, tuple(s for s in found if s is not winner)))
    return results


def all_keys() -> tuple[str, ...]:
    """The keys explain shows, in its order."""
    return (*ENV_KEYS, *SETTINGS_KEYS)


def resolution_keys() -> tuple[str, ...]:
    """Every key the model and credential resolution reads: explain's and a few more."""
    return (*all_keys(), *RESOLVED_ENV_KEYS)


# -- the model Claude Code sends ---------------------------------------------------------------

# Tier -> the variable that pins it (what the alias resolves to).
TIER_VARIABLES = {
    "sonnet": "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "opus": "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "haiku": "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "fable": "ANTHROPIC_DEFAULT_FABLE_MODEL",
}
# The aliases Claude Code 2.1.332 accepts (a "[1m]" suffix allowed), and the tiers each goes through:
# best is the release's best model, Opus for a gateway; opusplan plans with Opus, works with Sonnet.
ALIAS_TIERS: Mapping[str, tuple[str, ...]] = {
    "opus": ("opus",),
    "best": ("opus",),
    "sonnet": ("sonnet",),
    "haiku": ("haiku",),
    "fable": ("fable",),
    "opusplan": ("sonnet", "opus"),
}
DEFAULT_TIER = "opus"  # the client's default model through a gateway when nothing chooses one
_MEANS_DEFAULT = frozenset({"default"})


@dataclass(frozen=True)
class TierUse:
    tier: str
    variable: str  # the pin's variable, e.g. ANTHROPIC_DEFAULT_OPUS_MODEL
    pin: Setting | None  # the winning pin; None: Claude Code's own claude-<tier>-… name goes out

    @property
    def sent(self) -> str:
        return str(self.pin.value) if self.pin is not None else f"claude-{self.tier}-…"


@dataclass(frozen=True)
class ModelChoice:
    """The default model of a session, resolved as the client resolves it."""

    key: str | None  # ANTHROPIC_MODEL, model or ANTHROPIC_DEFAULT_MODEL; None: the client's default
    source: Setting | None  # where that key is set
    value: str | None  # as written there
    alias: str | None  # the alias (lower case, no [1m]); None for a full model id
    tiers: tuple[TierUse, ...]  # what an alias (or the default) goes through; () for a full model id

    @property
    def unpinned(self) -> tuple[TierUse, ...]:
        return tuple(use for use in self.tiers if use.pin is None)

    @property
    def sends(self) -> tuple[str, ...]:
        """The model names that go out for the default model."""
        return tuple(use.sent for use in self.tiers) if self.tiers else (str(self.value),)

    def as_json(self) -> dict[str, Any]:
        """The choice for ``explain --json``."""
        return {
            "key": self.key,
            "value": self.value,
            "layer": self.source.layer if self.source else None,
            "file": self.source.shown if self.source else None,
            "alias": self.alias,
            "sends": list(self.sends),
            "tiers": [
                {"tier": use.tier, "variable": use.variable, "pinned": use.pin.value if use.pin else None}
                for use in self.tiers
            ],
            "unpinned": [use.tier for use in self.unpinned],
        }

    @property
    def chosen_by(self) -> str:
        """For messages: 'model = "opus" (user ~/.claude/settings.json)' or "Claude Code's default"."""
        if self.source is None or self.key is None:
            return "Claude Code's default (Opus)"
        return f"{self.key} = {self.value!r} ({self.source.where})"


def winner_of(effective: Mapping[str, Effective], key: str) -> Setting | None:
    found = effective.get(key)
    return found.winner if found is not None else None


def _alias(value: str) -> str | None:
    name = value.strip().lower()
    name = name.removesuffix("[1m]").strip()
    return name if name in ALIAS_TIERS or name in _MEANS_DEFAULT else None


def resolve_model(effective: Mapping[str, Effective]) -> ModelChoice:
    """The model Claude Code sends by default (pure): ``ANTHROPIC_MODEL``, else the ``model``
    setting, else ``ANTHROPIC_DEFAULT_MODEL``, else its own default (Opus); an alias goes through
    the tier pins ``ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU,FABLE}_MODEL``, unpinned when none is set.
    """

    def uses(tiers: tuple[str, ...]) -> tuple[TierUse, ...]:
        return tuple(
            TierUse(tier, TIER_VARIABLES[tier], _pin(winner_of(effective, TIER_VARIABLES[tier]))) for tier in tiers
        )

    def default() -> ModelChoice:
        setting = winner_of(effective, "ANTHROPIC_DEFAULT_MODEL")
        value = setting.value if setting is not None else None
        if isinstance(value, str) and value.strip():
            alias = _alias(value)
            # As the client: "default"/"inherit", opusplan and haiku are not a default model.
            if alias not in ("default", "opusplan", "haiku") and value.strip().lower() != "inherit":
                tiers = ALIAS_TIERS[alias] if alias else ()
                return ModelChoice("ANTHROPIC_DEFAULT_MODEL", setting, value, alias, uses(tiers))
        return ModelChoice(None, None, None, None, uses((DEFAULT_TIER,)))

    for key in ("ANTHROPIC_MODEL", "model"):
        setting = winner_of(effective, key)
        value = setting.value if setting is not None else None
        if not isinstance(value, str) or not value.strip():  # the client skips an empty value
            continue
        alias = _alias(value)
        if alias in _MEANS_DEFAULT:
            chosen = default()
            return ModelChoice(key, setting, value, alias, chosen.tiers)
        return ModelChoice(key, setting, value, alias, uses(ALIAS_TIERS[alias]) if alias else ())
    return default()


def _pin(setting: Setting | None) -> Setting | None:
    return setting if setting is not None and isinstance(setting.value, str) and setting.value else None


# -- the credentials Claude Code sends -----------------------------------------------------------

HELPER = "apiKeyHelper"


@dataclass(frozen=True)
class Credential:
    header: str  # x-bf-vk, authorization (Bearer) or x-api-key
    source: str  # ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, ANTHROPIC_CUSTOM_HEADERS or apiKeyHelper
    setting: Setting | None
    value: str | None  # None: apiKeyHelper's output, which cbcfg does not run

    @property
    def shown_header(self) -> str:
        # Not "Bearer <word>": output redaction masks whatever follows "Bearer ".
        return "Authorization (Bearer)" if self.header == "authorization" else self.header

    @property
    def where(self) -> str:
        return f"{self.source} ({self.setting.where})" if self.setting is not None else self.source

    def as_json(self) -> dict[str, Any]:
        """For ``explain --json``: the value masked, never whole."""
        return {
            "header": self.header,
            "source": self.source,
            "layer": self.setting.layer if self.setting else None,
            "file": self.setting.shown if self.setting else None,
            "value": mask_key(self.value) if self.value else None,
        }


@dataclass(frozen=True)
class Credentials:
    """What the client sends to the gateway, and the one Bifrost takes as the virtual key."""

    sent: tuple[Credential, ...]
    read: Credential | None  # Bifrost's pick: x-bf-vk, then Bearer, then x-api-key (sk-bf- only)

    @property
    def conflict(self) -> tuple[Credential, ...]:
        """The key credentials sent at once (x-api-key and Bearer), when there are two."""
        keys = tuple(c for c in self.sent if c.header in ("authorization", "x-api-key"))
        return keys if len({c.source for c in keys}) > 1 else ()

    def headers(self) -> dict[str, str]:
        """The credential headers as sent, those cbcfg can see (not apiKeyHelper's output)."""
        found: dict[str, str] = {}
        for credential in self.sent:
            if credential.value is None:
                continue
            found[credential.header] = (
                f"Bearer {credential.value}" if credential.header == "authorization" else credential.value
            )
        return found

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.sent if c.value)

    def as_json(self) -> dict[str, Any]:
        return {
            "sent": [c.as_json() for c in self.sent],
            "bifrost_reads": self.read.as_json() if self.read else None,
            "conflict": bool(self.conflict),
        }


def custom_header(text: object, name: str) -> str | None:
    """One header's value in ANTHROPIC_CUSTOM_HEADERS (newline-separated ``Name: value`` lines)."""
    if not isinstance(text, str):
        return None
    for line in text.splitlines():
        header, colon, value = line.partition(":")
        if colon and header.strip().lower() == name:
            return value.strip()
    return None


def resolve_credentials(effective: Mapping[str, Effective], helper_output: str | None = None) -> Credentials:
    """The credentials the client sends and the one Bifrost reads (pure).

    ``ANTHROPIC_API_KEY`` goes out as ``x-api-key``, ``ANTHROPIC_AUTH_TOKEN`` as Bearer, both when
    both are set; ``apiKeyHelper``'s output fills whichever of the two the variables leave empty;
    ``x-bf-vk`` comes from ``ANTHROPIC_CUSTOM_HEADERS``. ``helper_output``: what apiKeyHelper
    printed, when the caller ran it (doctor); else its value is unknown here.
    """

    def text(setting: Setting | None) -> str | None:
        return setting.value if setting is not None and isinstance(setting.value, str) and setting.value else None

    sent: list[Credential] = []
    custom = winner_of(effective, "ANTHROPIC_CUSTOM_HEADERS")
    if (vk := custom_header(custom.value if custom else None, "x-bf-vk")) is not None and custom is not None:
        sent.append(Credential("x-bf-vk", "ANTHROPIC_CUSTOM_HEADERS", custom, vk))
    token = winner_of(effective, "ANTHROPIC_AUTH_TOKEN")
    api_key = winner_of(effective, "ANTHROPIC_API_KEY")
    helper = winner_of(effective, HELPER)
    helper = helper if text(helper) else None
    if text(token):
        sent.append(Credential("authorization", "ANTHROPIC_AUTH_TOKEN", token, text(token)))
    elif helper is not None:
        sent.append(Credential("authorization", HELPER, helper, helper_output))
    if text(api_key):
        sent.append(Credential("x-api-key", "ANTHROPIC_API_KEY", api_key, text(api_key)))
    elif helper is not None:
        sent.append(Credential("x-api-key", HELPER, helper, helper_output))
    return Credentials(tuple(sent), _bifrost_reads(sent))


def _bifrost_reads(sent: Sequence[Credential]) -> Credential | None:
    by_header = {c.header: c for c in sent}
    if "x-bf-vk" in by_header:
        return by_header["x-bf-vk"]
    for header in ("authorization", "x-api-key"):
        credential = by_header.get(header)
        # apiKeyHelper's output is unknown here: it may be the key Bifrost reads.
        if credential is not None and (credential.value is None or credential.value.startswith("sk-bf-")):
            return credential
    return None
