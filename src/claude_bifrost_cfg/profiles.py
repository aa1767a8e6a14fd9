"""Profiles: the source state. TOML files, validated with pydantic, resolved through ``extends``.

Sources, highest first: ``--profiles-dir``, the user's profiles folder, the bundled profiles.
A profile may shadow one of the same name below it, and ``extends = "<its own name>"`` then means
the profile it shadows.
"""

from __future__ import annotations

import datetime
import ipaddress
import math
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import ProfileError
from .profile_folders import NAME_PATTERN, names_in
from .profile_folders import bundled_profiles_dir as bundled_profiles_dir
from .secrets import KEY_PREFIX
from .strict_tables import Table
from .strict_tables import table as strict_table
from .vocabulary import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_KEY_MODE,
    KEY_ENV_NAMES,
    KEY_MODES,
    MODEL_ENV,
    VIRTUAL_KEY_ENV,
    is_http_url,
)

if TYPE_CHECKING:
    from pydantic_core import CoreSchema, SchemaValidator

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Variables cbcfg derives from [gateway] and the key; a profile never spells them (no keys in files).
DERIVED_ENV = frozenset({BASE_URL_ENV, *KEY_ENV_NAMES})


def check_gateway_url(url: str) -> str:
    """A gateway root URL: http(s), no credentials, no query; returned without a trailing slash."""
    parts = urlsplit(url)
    if not is_http_url(url):
        raise ValueError("must be an http:// or https:// URL with a host, e.g. http://localhost:8080")
    if parts.username or parts.password:
        raise ValueError("must not hold credentials (user:password@); cbcfg passes the virtual key itself")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")
    path = parts.path.rstrip("/")
    if path.endswith("/anthropic") or path.endswith("/mcp"):
        raise ValueError("is the gateway's root (e.g. http://localhost:8080), without /anthropic or /mcp")
    return f"{parts.scheme}://{parts.netloc}{path}"


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- the schema of a profile file -------------------------------------------------------------------
# Declared once, as pydantic-core schemas, and judged by pydantic's own engine (SchemaValidator): the
# same rules, error types and messages as the BaseModels they replace, without pydantic's model
# machinery (importing pydantic.fields and building four models cost some 80 ms of every apply).
# ``profile_edit`` reads the same declaration for the keys ``cbcfg profile set`` takes.


def _url(value: str | None) -> str | None:
    return None if value is None else check_gateway_url(value)


def _model(value: str | None) -> str | None:
    if value is not None and (not value or any(c.isspace() for c in value)):
        raise ValueError("must be a model id without spaces, e.g. bedrock/global.anthropic.claude-sonnet-4-6")
    return value


def _mcp_name(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", value):
        raise ValueError("must be letters, digits, '.', '_' or '-'")
    return value


def _targets(value: list[str] | None) -> list[str] | None:
    from .targets import NAMES  # the registry, loaded only when a profile names targets

    for name in value or []:
        if name not in NAMES:
            raise ValueError(f"unknown target {name!r}; targets are {', '.join(NAMES)}")
    return value


def _env(value: dict[str, str]) -> dict[str, str]:
    for name in value:
        if not ENV_NAME.match(name):
            raise ValueError(f"{name!r} is not an environment variable name")
        if name in DERIVED_ENV:
            raise ValueError(f"{name} is set by cbcfg from [gateway] and the virtual key; profiles never hold keys")
        if name in MODEL_ENV.values():
            raise ValueError(f"{name} is set from [models]; put the model id there")
    return value


def _settings(value: dict[str, Any]) -> dict[str, Any]:
    for name in ("env", "mcpServers", "apiKeyHelper", "forceLoginMethod", "forceLoginGatewayUrl"):
        if name in value:
            raise ValueError(f"{name!r} is not set through [settings]; use [env], [mcp] or [gateway]")
    problem = _not_json(value)
    if problem:
        raise ValueError(problem)
    return value


@cache
def profile_schema() -> CoreSchema:
    """ProfileFile: one TOML file as written; every field optional so that ``extends`` can fill the
    rest. Strict (no coercion), unknown keys refused, in every table."""
    from pydantic_core import core_schema as cs

    after = cs.no_info_after_validator_function  # a field validator: runs on the checked value

    def table(name: str, fields: dict[str, CoreSchema]) -> CoreSchema:
        return strict_table(name, fields, extra="forbid")

    def optional(schema: CoreSchema, check: Callable[[Any], Any] | None = None) -> CoreSchema:
        nullable = cs.nullable_schema(schema)
        return cs.with_default_schema(nullable if check is None else after(check, nullable), default=None)

    def defaulted(schema: CoreSchema, empty: Callable[[], Any]) -> CoreSchema:
        return cs.with_default_schema(schema, default_factory=empty)

    text, flag = cs.str_schema(), cs.bool_schema()
    gateway = table(
        "GatewaySpec",
        {
            "url": optional(text, _url),
            "placeholder": optional(flag),  # the URL is an example the user must replace (apply refuses it)
            "require_key": optional(flag),
            "key_env": optional(cs.literal_schema(list(KEY_ENV_NAMES))),
            "key_mode": optional(cs.literal_schema(list(KEY_MODES))),
        },
    )
    models = table("ModelsSpec", {tier: optional(text, _model) for tier in ("sonnet", "opus", "haiku", "default")})
    mcp = table("McpSpec", {"enabled": optional(flag), "name": optional(text, _mcp_name)})
    return table(
        "ProfileFile",
        {
            "description": optional(text),
            "extends": optional(text),
            "targets": optional(cs.list_schema(text), _targets),
            "gateway": defaulted(gateway, dict),
            "models": defaulted(models, dict),
            "env": defaulted(after(_env, cs.dict_schema(text, text)), dict),
            "settings": defaulted(after(_settings, cs.dict_schema(text, cs.any_schema())), dict),
            "mcp": defaulted(mcp, dict),
        },
    )


@cache
def _validator() -> SchemaValidator:
    from pydantic_core import SchemaValidator

    return SchemaValidator(profile_schema())


def _plain(value: Any) -> Any:
    """A validated table as a dict of what is set (``None`` left out), tables inside as dicts too."""
    if isinstance(value, Table):
        value = {key: item for key, item in vars(value).items() if not key.startswith("__pydantic")}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    return value


@dataclass(frozen=True)
class ProfileFile:
    """One profile file as validated: what it sets, as plain data (unset keys left out)."""

    data: dict[str, Any]

    @property
    def extends(self) -> str | None:
        parent = self.data.get("extends")
        return parent if isinstance(parent, str) else None


MAX_SETTINGS_DEPTH = 32


def _not_json(settings: dict[str, Any]) -> str | None:
    """What in [settings] cannot be written as JSON: TOML dates, inf/nan, absurd nesting (walked
    without recursion, so a hostile profile gets this message, not a crash)."""
    stack: list[tuple[str, Any, int]] = [(key, item, 1) for key, item in settings.items()]
    while stack:
        where, item, depth = stack.pop()
        if depth > MAX_SETTINGS_DEPTH:
            return f"{where.split('.')[0]}: nested too deeply (more than {MAX_SETTINGS_DEPTH} levels)"
        if isinstance(item, float) and not math.isfinite(item):
            return f"{where}: {item} is not a JSON number"
        if isinstance(item, datetime.date | datetime.time):
            return f"{where}: a TOML date or time has no JSON form; quote it as a string"
        if isinstance(item, dict):
            stack.extend((f"{where}.{key}", value, depth + 1) for key, value in item.items())
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", value, depth + 1) for index, value in enumerate(item))
    return None


@dataclass(frozen=True)
class Profile:
    """A resolved profile: ``extends`` applied, defaults filled."""

    name: str
    source: str  # "bundled", "user" or "profiles-dir"
    path: Path
    chain: tuple[str, ...]  # this profile and what it extends, nearest first
    description: str
    targets: tuple[str, ...]
    gateway_url: str
    placeholder_url: bool
    require_key: bool
    key_env: str
    key_mode: str  # how the credential reaches Claude Code: key, helper, header or login
    models: dict[str, str]  # tier -> model id, only the pinned tiers
    env: dict[str, str]
    settings: dict[str, Any]
    mcp_enabled: bool
    mcp_name: str


@dataclass(frozen=True)
class ProfileSource:
    label: str
    folder: Path


def profile_sources(profiles_dir: Path | None, user_dir: Path) -> list[ProfileSource]:
    """Where profiles are looked up, highest precedence first."""
    sources = [ProfileSource("user", user_dir), ProfileSource("bundled", bundled_profiles_dir())]
    if profiles_dir is not None:
        sources.insert(0, ProfileSource("profiles-dir", profiles_dir))
    return sources


def check_profile_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise ProfileError(
            f"{name!r} is not a profile name",
            "use lower-case letters, digits, '-' and '_' (e.g. 'bedrock', 'team-eu')",
        )
    return name


def _line_of(text: str, key_path: Sequence[str | int]) -> int | None:
    """Best-effort line of a key in a TOML text, for error messages."""
    keys = [str(part) for part in key_path if isinstance(part, str)]
    if not keys:
        return None
    last = keys[-1]
    # [ \t]*, not \s*: a match must not start on an earlier blank line.
    pattern = re.compile(rf'^[ \t]*(?:"{re.escape(last)}"|{re.escape(last)})[ \t]*=', re.MULTILINE)
    table = re.compile(rf"^[ \t]*\[{re.escape('.'.join(keys))}\]", re.MULTILINE)
    # Look inside the key's own table first: [env] and [mcp] may both have a "name".
    parent = re.search(rf"^[ \t]*\[{re.escape('.'.join(keys[:-1]))}\][ \t]*$", text, re.MULTILINE) if keys[1:] else None
    match = (parent and pattern.search(text, parent.end())) or pattern.search(text) or table.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def read_profile_file(path: Path) -> ProfileFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror}", "check the file's permissions") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path}: not UTF-8 text (byte {exc.start})", "save it as UTF-8") from None
    return validate_profile_text(text, str(path))


def validate_profile_text(text: str, shown: str) -> ProfileFile:
    """A profile file's text checked as loading checks it (TOML, fields, no keys); ``shown`` names it
    in the one-line error. Commands that write a profile validate what they write with this."""
    if text.startswith("\ufeff"):
        raise ProfileError(f"{shown}: starts with a byte order mark (BOM)", "save it as UTF-8 without BOM")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python < 3.14 only has the line in the message: "... (at line 3, column 9)".
        at = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = f"{shown}:{at.group(1)}" if at else shown
        raise ProfileError(f"{where}: invalid TOML: {exc}", "fix the syntax at that line") from None
    from pydantic_core import ValidationError

    try:
        validated = ProfileFile(_plain(_validator().validate_python(data)))
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        line = _line_of(text, error["loc"])
        where = f"{shown}:{line}" if line else shown
        message = error["msg"].removeprefix("Value error, ")
        raise ProfileError(f"{where}: {key}: {message}", "fix that key (see profiles/ for examples)") from None
    held = key_held(data)
    if held is not None:
        line = _line_of(text, held.split("."))
        where = f"{shown}:{line}" if line else shown
        raise ProfileError(
            f"{where}: {held}: holds a Bifrost virtual key; profiles never hold keys",
            f"remove it; give the key in {VIRTUAL_KEY_ENV} or with --key-stdin",
        )
    return validated


def key_held(data: Any, where: str = "") -> str | None:
    """The dotted key of the first value in ``data`` that holds a virtual key (``sk-bf-…``), if any."""
    stack: list[tuple[str, Any]] = [(where, data)]
    while stack:
        at, item = stack.pop()
        if isinstance(item, str) and KEY_PREFIX in item:
            return at or "value"
        if isinstance(item, dict):
            stack.extend((f"{at}.{name}" if at else str(name), value) for name, value in item.items())
        elif isinstance(item, list):
            stack.extend((at, value) for value in item)
    return None


def find_profile_path(name: str, sources: Sequence[ProfileSource], start: int = 0) -> tuple[int, Path] | None:
    for index in range(start, len(sources)):
        candidate = sources[index].folder / f"{name}.toml"
        if candidate.is_file():
            return index, candidate
    return None


def _merge_tables(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_tables(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_profile(name: str, sources: Sequence[ProfileSource]) -> Profile:
    """Read a profile and everything it extends, nearest wins, key by key."""
    check_profile_name(name)
    found = find_profile_path(name, sources)
    if found is None:
        known = ", ".join(sorted(list_profile_names(sources))) or "none"
        raise ProfileError(f"no profile named {name!r}", f"known profiles: {known}; see 'cbcfg profiles'")
    chain: list[tuple[int, str, Path, ProfileFile]] = []
    visited: set[tuple[int, str]] = set()
    index, path = found
    current = name
    while True:
        if (index, current) in visited:
            names = " -> ".join(entry[1] for entry in chain) + f" -> {current}"
            raise ProfileError(f"{path}: extends: cycle {names}", "remove one 'extends' from the cycle")
        visited.add((index, current))
        file = read_profile_file(path)
        chain.append((index, current, path, file))
        parent = file.extends
        if parent is None:
            break
        try:
            check_profile_name(parent)
        except ProfileError:
            raise ProfileError(f"{path}: extends: {parent!r} is not a profile name", "name a profile") from None
        # extends = "<own name>" reaches the profile this one shadows.
        nxt = find_profile_path(parent, sources, index + 1 if parent == current else 0)
        if nxt is None:
            raise ProfileError(f"{path}: extends: no profile named {parent!r}", "see 'cbcfg profiles'")
        index, path = nxt
        current = parent

    merged: dict[str, Any] = {}
    for _, _, _, file in reversed(chain):
        merged = _merge_tables(merged, file.data)
    gateway = merged.get("gateway", {})
    models = {tier: model for tier, model in merged.get("models", {}).items() if model}
    mcp = merged.get("mcp", {})
    top_index, _, top_path, _ = chain[0]
    return Profile(
        name=name,
        source=sources[top_index].label,
        path=top_path,
        chain=tuple(entry[1] for entry in chain),
        description=merged.get("description", ""),
        targets=tuple(merged.get("targets", ["code", "desktop"])),
        gateway_url=gateway.get("url", "http://localhost:8080"),
        placeholder_url=gateway.get("placeholder", False),
        require_key=gateway.get("require_key", True),
        key_env=gateway.get("key_env", API_KEY_ENV),
        key_mode=gateway.get("key_mode", DEFAULT_KEY_MODE),
        models=models,
        env=merged.get("env", {}),
        settings=merged.get("settings", {}),
        mcp_enabled=mcp.get("enabled", True),
        mcp_name=mcp.get("name", "bifrost"),
    )


def list_profile_names(sources: Sequence[ProfileSource]) -> set[str]:
    return names_in(source.folder for source in sources)


@dataclass(frozen=True)
class ProfileListing:
    name: str
    source: str
    path: Path
    shadows: tuple[str, ...]  # labels of sources whose profile of the same name this one hides


def list_profiles(sources: Sequence[ProfileSource]) -> list[ProfileListing]:
    listings: dict[str, ProfileListing] = {}
    for source in sources:
        if not source.folder.is_dir():
            continue
        for path in sorted(source.folder.glob("*.toml")):
            if not NAME_PATTERN.match(path.stem):
                continue
            if path.stem in listings:
                first = listings[path.stem]
                listings[path.stem] = ProfileListing(
                    first.name, first.source, first.path, (*first.shadows, source.label)
                )
            else:
                listings[path.stem] = ProfileListing(path.stem, source.label, path, ())
    return sorted(listings.values(), key=lambda listing: listing.name)
