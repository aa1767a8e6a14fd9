"""Writing profiles: a new commented file, one setting changed or removed with every other byte kept
(tomlkit), and every result checked with the rules loading uses (``profiles.validate_profile_text``)
before it is written atomically. Never a key: validation refuses a value holding one.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import ProfileError, RefusedError, UsageError
from .profiles import (
    ProfileFile,
    ProfileSource,
    check_profile_name,
    find_profile_path,
    load_profile,
    profile_schema,
    validate_profile_text,
)

Kind = Literal["string", "bool", "list", "value"]
KIND_NAMES = {
    "string": "a string",
    "bool": "true or false",
    "list": 'a list of names (code,desktop or ["code", "desktop"])',
    "value": 'a TOML value (true, 3, "text", [1, 2]) or plain text',
}


@dataclass(frozen=True)
class Setting:
    """A dotted key of a profile (``models.opus``, ``env.FOO``, ``settings.permissions.allow``)."""

    key: str
    parts: tuple[str, ...]
    kind: Kind


def _unwrapped(schema: Any) -> Any:
    """A field's schema without what only wraps it: the field, its default, ``None`` allowed, an after-check."""
    while schema["type"] in ("model-field", "default", "nullable", "function-after"):
        schema = schema["schema"]
    return schema


_KINDS: dict[str, Kind] = {"bool": "bool", "str": "string", "literal": "string", "list": "list"}


def _kind_of(schema: Any) -> Kind | None:
    """What a command-line value becomes for a field of this schema (None: a table, not a value)."""
    return _KINDS.get(_unwrapped(schema)["type"])


def _fields(schema: Any) -> dict[str, Any]:
    """A table's fields (name -> schema), or {} for anything else."""
    schema = _unwrapped(schema)
    return dict(schema["schema"]["fields"]) if schema["type"] == "model" else {}


def _profile_fields() -> dict[str, Any]:
    return _fields(profile_schema())


def _is_map(schema: Any) -> bool:
    return bool(_unwrapped(schema)["type"] == "dict")


def _holds_text(schema: Any) -> bool:
    """A map whose values are strings (env), not any TOML value (settings)."""
    return bool(_unwrapped(schema)["values_schema"]["type"] == "str")


def settable_keys() -> list[str]:
    """Every dotted key ``profile set`` takes, from the profile's schema itself (for messages, completion)."""
    keys: list[str] = []
    for name, schema in _profile_fields().items():
        if sub := _fields(schema):
            keys.extend(f"{name}.{key}" for key in sub)
        elif _is_map(schema):
            keys.append(f"{name}.{_placeholder(schema)}")
        else:
            keys.append(name)
    return keys


def _placeholder(schema: Any) -> str:
    """env.NAME (a variable's name), settings.KEY (a settings key, nested with dots)."""
    return "NAME" if _holds_text(schema) else "KEY"


def find_setting(key: str) -> Setting:
    """The setting a dotted key names, checked against the profile's schema; unknown keys are refused."""
    parts = tuple(key.split("."))
    known = ", ".join(settable_keys())
    unknown = UsageError(f"a profile has no key {key!r}", f"keys: {known}")
    if any(not part for part in parts):
        raise unknown
    schema = _profile_fields().get(parts[0])
    if schema is None:
        raise unknown
    if sub := _fields(schema):
        field = sub.get(parts[1]) if len(parts) == 2 else None
        kind = _kind_of(field) if field is not None else None
        if kind is None:
            raise unknown
        return Setting(key, parts, kind)
    if _is_map(schema):
        if len(parts) < 2:
            raise unknown
        text = _holds_text(schema)
        if text and len(parts) != 2:  # env: flat names; settings may nest
            raise unknown
        return Setting(key, parts, "string" if text else "value")
    kind = _kind_of(schema)
    if kind is None or len(parts) != 1:
        raise unknown
    return Setting(key, parts, kind)


def parse_value(setting: Setting, raw: str) -> Any:
    """A command-line value as the setting needs it; the wrong type is one line naming the key."""
    wrong = UsageError(
        f"{setting.key} takes {KIND_NAMES[setting.kind]}, not {raw!r}",
        f"e.g. cbcfg profile set NAME {setting.key} {_example(setting.kind)}",
    )
    if setting.kind == "string":
        return raw
    if setting.kind == "bool":
        if raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise wrong
    if setting.kind == "list":
        text = raw.strip()
        if text.startswith("["):
            value = _toml_value(text)
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise wrong
            return value
        items = [item.strip() for item in text.split(",")]
        if not all(items):
            raise wrong
        return items
    value = _toml_value(raw)
    return raw if value is None else value


def _toml_value(text: str) -> Any:
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return None


def _example(kind: Kind) -> str:
    return {"string": "some-text", "bool": "false", "list": "code,desktop", "value": "true"}[kind]


# -- the text of a profile -------------------------------------------------------------------------


def set_in_text(text: str, setting: Setting, value: Any) -> str:
    """``text`` with one setting set; every other comment, blank line and key kept as it was."""
    import tomlkit

    document = tomlkit.parse(text)
    table: Any = document
    for part in setting.parts[:-1]:
        if part not in table:
            table[part] = tomlkit.table()
        table = table[part]
        if not isinstance(table, dict):
            raise UsageError(f"{setting.key}: {part!r} is a value in this profile, not a table", "unset it first")
    table[setting.parts[-1]] = value
    return tomlkit.dumps(document)


def unset_in_text(text: str, setting: Setting) -> str | None:
    """``text`` without the setting (None when it was not set); everything else kept as it was."""
    import tomlkit

    document = tomlkit.parse(text)
    table: Any = document
    for part in setting.parts[:-1]:
        table = table.get(part) if isinstance(table, dict) else None
        if table is None:
            return None
    if not isinstance(table, dict) or setting.parts[-1] not in table:
        return None
    del table[setting.parts[-1]]
    return tomlkit.dumps(document)


def new_profile_text(
    name: str,
    *,
    description: str | None,
    extends: str | None,
    gateway_url: str | None,
    models: Mapping[str, str],
    targets: Sequence[str],
) -> str:
    """A new profile, commented: what each table is for, the settings given filled in."""

    def quoted(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string is a JSON string

    lines = [
        f"# cbcfg profile {quoted(name)}: apply it with 'cbcfg apply {name}'.",
        "# Change one setting with 'cbcfg profile set', or all of it with 'cbcfg profile edit'.",
        "# Never a key in here: give it in BIFROST_VIRTUAL_KEY or with --key-stdin.",
        f"description = {quoted(description or f'{name} (made with cbcfg profile new)')}",
    ]
    if extends:
        lines.append(f"extends = {quoted(extends)}  # tables merge key by key; this file wins")
    if targets:
        lines.append(f"targets = [{', '.join(quoted(t) for t in targets)}]  # managed only ever by --target")
    lines += ["", "[gateway]", "# The gateway's root URL, without /anthropic or /mcp."]
    if gateway_url:
        lines.append(f"url = {quoted(gateway_url)}")
    elif not extends:
        lines.append('url = "http://localhost:8080"')
    lines += [
        "",
        "[models]",
        "# sonnet, opus, haiku, default (ANTHROPIC_MODEL): provider/model ids, see 'cbcfg models'.",
    ]
    lines += [f"{tier} = {quoted(model)}" for tier, model in models.items()]
    lines += [
        "",
        "[env]",
        '# Extra environment for Claude Code (never keys), e.g. CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1".',
    ]
    return "\n".join(lines) + "\n"


def parse_model_pins(pairs: Sequence[str]) -> dict[str, str]:
    """``--model TIER=ID`` options as tier -> model id (checked by validation afterwards)."""
    tiers = _fields(_profile_fields()["models"])
    pins: dict[str, str] = {}
    for pair in pairs:
        tier, equals, model = pair.partition("=")
        tier = tier.strip()
        if not equals or tier not in tiers or not model.strip():
            raise UsageError(f"--model {pair!r} is not TIER=ID", f"tiers: {', '.join(tiers)}; e.g. opus=bedrock/…")
        pins[tier] = model.strip()
    return pins


# -- checking and writing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A profile cbcfg may write: its file, and where it sits among the sources."""

    name: str
    path: Path
    index: int  # in the sources, highest precedence first
    label: str  # "user" or "profiles-dir"


def locate_writable(name: str, sources: Sequence[ProfileSource]) -> Located:
    """The profile ``name`` that is in effect, refused when it is a bundled one."""
    check_profile_name(name)
    found = find_profile_path(name, sources)
    if found is None:
        from .profiles import list_profile_names

        known = ", ".join(sorted(list_profile_names(sources))) or "none"
        raise ProfileError(f"no profile named {name!r}", f"known profiles: {known}; see 'cbcfg profiles'")
    index, path = found
    if sources[index].label == "bundled":
        raise RefusedError(
            f"profile {name!r} is bundled with cbcfg; cbcfg does not change bundled profiles",
            f"make your own that extends it: cbcfg profile new my-{name} --extends {name}",
        )
    return Located(name, path, index, sources[index].label)


def check_profile(text: str, shown: str, name: str, index: int, sources: Sequence[ProfileSource]) -> ProfileFile:
    """``text`` as the profile ``name`` at ``sources[index]`` would load: the file's rules, then
    what it extends (which must exist and load)."""
    file = validate_profile_text(text, shown)
    parent = file.extends
    if parent is None:
        return file
    try:
        check_profile_name(parent)
    except ProfileError:
        raise ProfileError(f"{shown}: extends: {parent!r} is not a profile name", "name a profile") from None
    # extends = "<own name>" reaches the profile this one shadows.
    below = [*sources[index + 1 :]] if parent == name else list(sources)
    if find_profile_path(parent, below) is None:
        raise ProfileError(f"{shown}: extends: no profile named {parent!r}", "see 'cbcfg profiles'")
    if parent != name and name in load_profile(parent, sources).chain:
        chain = " -> ".join((name, *load_profile(parent, sources).chain))
        raise ProfileError(f"{shown}: extends: cycle {chain}", "remove one 'extends' from the cycle")
    return file


def write_profile(path: Path, text: str) -> None:
    """Write a profile file atomically (a temp file beside it, then a rename): never half a file."""
    from .fsio import read_snapshot, write_atomically

    shown = str(path)
    write_atomically(read_snapshot(path, shown), text, shown, secret=False)
