"""The profile schema, judged by pydantic's engine from core schemas, gives the verdicts and the words
the pydantic models it replaced gave: those models are kept here, as they were, as the oracle.

Golden one-line errors for bad profiles (taken from the models' run before the change), every
bundled and corpus profile judged alike, and generated inputs on which the two agree error for error.
"""

from __future__ import annotations

import datetime
import math
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from claude_bifrost_cfg import profiles
from claude_bifrost_cfg.errors import ProfileError, UsageError
from claude_bifrost_cfg.profile_edit import find_setting, parse_model_pins, settable_keys
from claude_bifrost_cfg.profiles import (
    DERIVED_ENV,
    ENV_NAME,
    bundled_profiles_dir,
    check_gateway_url,
    validate_profile_text,
)
from claude_bifrost_cfg.vocabulary import MODEL_ENV

CORPUS = Path(__file__).resolve().parent / "adversarial" / "corpus" / "profiles"

# --- the oracle: the models as they were before the core schemas ---------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class GatewaySpec(_Strict):
    url: str | None = None
    placeholder: bool | None = Field(default=None)
    require_key: bool | None = None
    key_env: Literal["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"] | None = None
    key_mode: Literal["key", "helper", "header", "login"] | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_gateway_url(value)


class ModelsSpec(_Strict):
    sonnet: str | None = None
    opus: str | None = None
    haiku: str | None = None
    default: str | None = None

    @field_validator("sonnet", "opus", "haiku", "default")
    @classmethod
    def _model(cls, value: str | None) -> str | None:
        if value is not None and (not value or any(c.isspace() for c in value)):
            raise ValueError("must be a model id without spaces, e.g. bedrock/global.anthropic.claude-sonnet-4-6")
        return value


class McpSpec(_Strict):
    enabled: bool | None = None
    name: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", value):
            raise ValueError("must be letters, digits, '.', '_' or '-'")
        return value


class ProfileFile(_Strict):
    description: str | None = None
    extends: str | None = None
    targets: list[str] | None = None
    gateway: GatewaySpec = GatewaySpec()
    models: ModelsSpec = ModelsSpec()
    env: dict[str, str] = {}
    settings: dict[str, Any] = {}
    mcp: McpSpec = McpSpec()

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str] | None) -> list[str] | None:
        from claude_bifrost_cfg.targets import NAMES

        for name in value or []:
            if name not in NAMES:
                raise ValueError(f"unknown target {name!r}; targets are {', '.join(NAMES)}")
        return value

    @field_validator("env")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name")
            if name in DERIVED_ENV:
                raise ValueError(f"{name} is set by cbcfg from [gateway] and the virtual key; profiles never hold keys")
            if name in MODEL_ENV.values():
                raise ValueError(f"{name} is set from [models]; put the model id there")
        return value

    @field_validator("settings")
    @classmethod
    def _settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in ("env", "mcpServers", "apiKeyHelper", "forceLoginMethod", "forceLoginGatewayUrl"):
            if name in value:
                raise ValueError(f"{name!r} is not set through [settings]; use [env], [mcp] or [gateway]")
        problem = profiles._not_json(value)
        if problem:
            raise ValueError(problem)
        return value


def _errors(exc: Any) -> list[tuple[Any, ...]]:
    return [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]


def verdicts(data: Any) -> tuple[Any, Any]:
    """(the oracle's, the core schema's): each either the errors or the data a valid file sets."""
    from pydantic_core import ValidationError as CoreValidationError

    try:
        old: Any = ProfileFile.model_validate(data).model_dump(exclude_none=True)
    except ValidationError as exc:
        old = _errors(exc)
    try:
        new: Any = profiles._plain(profiles._validator().validate_python(data))
    except CoreValidationError as exc:
        new = _errors(exc)
    return old, new


# --- golden one-line errors -----------------------------------------------------------------------

KEY = "fix that key (see profiles/ for examples)"
SECRET = "remove it; give the key in BIFROST_VIRTUAL_KEY or with --key-stdin"
# (profile text, the one-line error: what, and how to fix it)
BAD = [
    (
        'descripton = "x"',
        "p.toml:1: descripton: Extra inputs are not permitted",
        KEY,
    ),
    (
        'targets = "code"',
        "p.toml:1: targets: Input should be a valid list",
        KEY,
    ),
    (
        'targets = ["code", 3]',
        "p.toml:1: targets.1: Input should be a valid string",
        KEY,
    ),
    (
        'targets = ["nope"]',
        "p.toml:1: targets: unknown target 'nope'; targets are code, code-project, "
        "code-local, desktop-gateway, desktop-library, desktop, code-mcp, project-mcp, "
        "managed, managed-dropin",
        KEY,
    ),
    (
        "extends = 3",
        "p.toml:1: extends: Input should be a valid string",
        KEY,
    ),
    (
        "description = true",
        "p.toml:1: description: Input should be a valid string",
        KEY,
    ),
    (
        'gateway = "http://x"',
        "p.toml:1: gateway: Input should be a valid dictionary or instance of GatewaySpec",
        KEY,
    ),
    (
        '[gateway]\nurl = "ftp://x"',
        "p.toml:2: gateway.url: must be an http:// or https:// URL with a host, e.g. http://localhost:8080",
        KEY,
    ),
    (
        '[gateway]\nurl = "http://u:p@x"',
        "p.toml:2: gateway.url: must not hold credentials (user:password@); cbcfg passes the virtual key itself",
        KEY,
    ),
    (
        '[gateway]\nurl = "http://x/?a=1"',
        "p.toml:2: gateway.url: must not have a query or fragment",
        KEY,
    ),
    (
        '[gateway]\nurl = "http://x/anthropic"',
        "p.toml:2: gateway.url: is the gateway's root (e.g. http://localhost:8080), without /anthropic or /mcp",
        KEY,
    ),
    (
        "[gateway]\nurl = 8080",
        "p.toml:2: gateway.url: Input should be a valid string",
        KEY,
    ),
    (
        '[gateway]\nplaceholder = "yes"',
        "p.toml:2: gateway.placeholder: Input should be a valid boolean",
        KEY,
    ),
    (
        "[gateway]\nrequire_key = 1",
        "p.toml:2: gateway.require_key: Input should be a valid boolean",
        KEY,
    ),
    (
        '[gateway]\nkey_env = "OTHER"',
        "p.toml:2: gateway.key_env: Input should be 'ANTHROPIC_API_KEY' or 'ANTHROPIC_AUTH_TOKEN'",
        KEY,
    ),
    (
        '[gateway]\nkey_mode = "magic"',
        "p.toml:2: gateway.key_mode: Input should be 'key', 'helper', 'header' or 'login'",
        KEY,
    ),
    (
        "[gateway]\nport = 1",
        "p.toml:2: gateway.port: Extra inputs are not permitted",
        KEY,
    ),
    (
        "models = []",
        "p.toml:1: models: Input should be a valid dictionary or instance of ModelsSpec",
        KEY,
    ),
    (
        '[models]\nopus = "a b"',
        "p.toml:2: models.opus: must be a model id without spaces, e.g. bedrock/global.anthropic.claude-sonnet-4-6",
        KEY,
    ),
    (
        '[models]\nsonnet = ""',
        "p.toml:2: models.sonnet: must be a model id without spaces, e.g. bedrock/global.anthropic.claude-sonnet-4-6",
        KEY,
    ),
    (
        "[models]\nhaiku = 4",
        "p.toml:2: models.haiku: Input should be a valid string",
        KEY,
    ),
    (
        '[models]\ngpt = "x"',
        "p.toml:2: models.gpt: Extra inputs are not permitted",
        KEY,
    ),
    (
        '[mcp]\nname = "../x"',
        "p.toml:2: mcp.name: must be letters, digits, '.', '_' or '-'",
        KEY,
    ),
    (
        '[mcp]\nenabled = "no"',
        "p.toml:2: mcp.enabled: Input should be a valid boolean",
        KEY,
    ),
    (
        '[mcp]\nname = "x"\nurl = "y"',
        "p.toml:3: mcp.url: Extra inputs are not permitted",
        KEY,
    ),
    (
        'env = "x"',
        "p.toml:1: env: Input should be a valid dictionary",
        KEY,
    ),
    (
        '[env]\n"1X" = "a"',
        "p.toml:1: env: '1X' is not an environment variable name",
        KEY,
    ),
    (
        '[env]\nANTHROPIC_API_KEY = "a"',
        "p.toml:1: env: ANTHROPIC_API_KEY is set by cbcfg from [gateway] and the virtual key; profiles never hold keys",
        KEY,
    ),
    (
        '[env]\nANTHROPIC_BASE_URL = "a"',
        "p.toml:1: env: ANTHROPIC_BASE_URL is set by cbcfg from [gateway] and the virtual "
        "key; profiles never hold keys",
        KEY,
    ),
    (
        '[env]\nANTHROPIC_DEFAULT_OPUS_MODEL = "a"',
        "p.toml:1: env: ANTHROPIC_DEFAULT_OPUS_MODEL is set from [models]; put the model id there",
        KEY,
    ),
    (
        "[env]\nFOO = 1",
        "p.toml:2: env.FOO: Input should be a valid string",
        KEY,
    ),
    (
        '[env]\nFOO = "sk-bf-abcdefgh1234"',
        "p.toml:2: env.FOO: holds a Bifrost virtual key; profiles never hold keys",
        SECRET,
    ),
    (
        "settings = 3",
        "p.toml:1: settings: Input should be a valid dictionary",
        KEY,
    ),
    (
        "[settings]\nenv = {}",
        "p.toml:1: settings: 'env' is not set through [settings]; use [env], [mcp] or [gateway]",
        KEY,
    ),
    (
        '[settings]\napiKeyHelper = "x"',
        "p.toml:1: settings: 'apiKeyHelper' is not set through [settings]; use [env], [mcp] or [gateway]",
        KEY,
    ),
    (
        "[settings]\nwhen = 1979-05-27",
        "p.toml:1: settings: when: a TOML date or time has no JSON form; quote it as a string",
        KEY,
    ),
    (
        "[settings]\nx = nan",
        "p.toml:1: settings: x: nan is not a JSON number",
        KEY,
    ),
    (
        "[settings]\nx = [inf]",
        "p.toml:1: settings: x[0]: inf is not a JSON number",
        KEY,
    ),
    (
        "[settings.a]\nb = 1979-05-27T07:32:00Z",
        "p.toml: settings: a.b: a TOML date or time has no JSON form; quote it as a string",
        KEY,
    ),
    (
        "[settings]\nx = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "p.toml:1: settings: x[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
        "[0][0][0][0][0][0][0][0][0][0][0]: nested too deeply (more than 32 levels)",
        KEY,
    ),
    (
        '[settings]\nhelper = "sk-bf-secret0001"',
        "p.toml:2: settings.helper: holds a Bifrost virtual key; profiles never hold keys",
        SECRET,
    ),
    (
        'description = "x"\n[models]\nopus = "a b"\n[env]\n"1" = "x"',
        "p.toml:3: models.opus: must be a model id without spaces, e.g. bedrock/global.anthropic.claude-sonnet-4-6",
        KEY,
    ),
    (
        '[gateway]\nurl = "ftp://x"\nkey_env = "OTHER"',
        "p.toml:2: gateway.url: must be an http:// or https:// URL with a host, e.g. http://localhost:8080",
        KEY,
    ),
    (
        '[mcp]\nenabled = true\n[env]\nname = "x"\n[gateway]\nurl = 3',
        "p.toml:6: gateway.url: Input should be a valid string",
        KEY,
    ),
]


@pytest.mark.parametrize(("text", "what", "fix"), BAD)
def test_a_bad_profile_gets_the_words_it_always_got(text: str, what: str, fix: str) -> None:
    with pytest.raises(ProfileError) as caught:
        validate_profile_text(text, "p.toml")
    assert (caught.value.message, caught.value.fix) == (what, fix)


# --- every real profile --------------------------------------------------------------------------


def _profile_files() -> list[Path]:
    return sorted(bundled_profiles_dir().glob("*.toml")) + sorted(CORPUS.glob("*.toml"))


@pytest.mark.parametrize("path", _profile_files(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_bundled_and_corpus_profile_is_judged_as_the_models_judged_it(path: Path) -> None:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        pytest.skip("not TOML: refused before the schema")
    old, new = verdicts(data)
    assert new == old


def test_the_bundled_profiles_are_valid() -> None:
    for path in sorted(bundled_profiles_dir().glob("*.toml")):
        validated = validate_profile_text(path.read_text("utf-8"), str(path))
        assert validated.data == ProfileFile.model_validate(tomllib.loads(path.read_text("utf-8"))).model_dump(
            exclude_none=True
        )


# --- generated inputs ------------------------------------------------------------------------------

_text = st.one_of(
    st.sampled_from(
        [
            "",
            "x",
            "a b",
            "http://localhost:8080",
            "https://gw.example/",
            "ftp://x",
            "http://u:p@h",
            "http://h/anthropic",
            "http://h/?q=1",
            "bedrock/global.anthropic.claude-sonnet-4-6",
            "ANTHROPIC_API_KEY",
            "ANTHROPIC_AUTH_TOKEN",
            "key",
            "helper",
            "header",
            "login",
            "../x",
            "code",
            "desktop",
            "nope",
            "local",
            "FOO",
            "1X",
        ]
    ),
    st.text(max_size=8),
)
_scalar = st.one_of(
    _text,
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.times(),
)
_toml_value = st.recursive(
    _scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3), max_leaves=8
)


def _table(fields: list[str]) -> st.SearchStrategy[Any]:
    keys = st.sampled_from([*fields, "extra", "url"])
    return st.dictionaries(keys, _toml_value, max_size=4) | _toml_value


_env_names = st.sampled_from(["FOO", "1X", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL", "a-b", "OK_2"])
_settings_keys = st.sampled_from(["permissions", "env", "apiKeyHelper", "model", "hooks", "x"])
_field_values: dict[str, st.SearchStrategy[Any]] = {
    "description": _toml_value,
    "extends": _toml_value,
    "targets": st.lists(_text, max_size=3) | _toml_value,
    "gateway": _table(["url", "placeholder", "require_key", "key_env", "key_mode"]),
    "models": _table(["sonnet", "opus", "haiku", "default"]),
    "env": st.dictionaries(_env_names | _text, _text | _scalar, max_size=3) | _toml_value,
    "settings": st.dictionaries(_settings_keys | _text, _toml_value, max_size=3) | _toml_value,
    "mcp": _table(["enabled", "name"]),
    "descripton": _toml_value,
}
_profile_data = st.fixed_dictionaries({}, optional=_field_values)


@settings(
    max_examples=400, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(_profile_data)
def test_generated_profiles_get_the_models_verdict_error_for_error(data: dict[str, Any]) -> None:
    old, new = verdicts(data)
    assert new == old


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "gateway": st.fixed_dictionaries(
                {}, optional={"url": _text, "key_env": _text, "require_key": st.booleans()}
            ),
            "models": st.fixed_dictionaries({}, optional={"opus": _text, "haiku": _text}),
            "env": st.dictionaries(_env_names, _text, max_size=2),
            "mcp": st.fixed_dictionaries({}, optional={"name": _text, "enabled": st.booleans()}),
            "targets": st.lists(st.sampled_from(["code", "desktop", "managed"]), max_size=2),
        },
    )
)
def test_mostly_valid_generated_profiles_agree_too(data: dict[str, Any]) -> None:
    """Inputs near the valid ones, so that the accepted side (what a valid file sets) is compared often."""
    old, new = verdicts(data)
    assert new == old


def test_the_generators_reach_both_verdicts() -> None:
    """Not vacuous: valid and invalid inputs both occur, and dates and non-finite floats are in play."""
    assert isinstance(verdicts({"gateway": {"url": "http://h"}})[1], dict)
    assert isinstance(verdicts({"settings": {"d": datetime.date(2020, 1, 1)}})[1], list)
    assert isinstance(verdicts({"settings": {"f": math.inf}})[1], list)


# --- profile_edit reads the same declaration --------------------------------------------------------


def test_profile_set_takes_the_keys_the_schema_declares() -> None:
    assert settable_keys() == [
        "description", "extends", "targets", "gateway.url", "gateway.placeholder", "gateway.require_key",
        "gateway.key_env", "gateway.key_mode", "models.sonnet", "models.opus", "models.haiku", "models.default",
        "env.NAME", "settings.KEY", "mcp.enabled", "mcp.name",
    ]  # fmt: skip
    kinds = {key: find_setting(key.replace("NAME", "X").replace("KEY", "Y")).kind for key in settable_keys()}
    assert kinds["targets"] == "list" and kinds["gateway.placeholder"] == "bool" and kinds["mcp.enabled"] == "bool"
    assert kinds["gateway.key_mode"] == "string" and kinds["env.NAME"] == "string" and kinds["settings.KEY"] == "value"
    assert find_setting("settings.permissions.allow").kind == "value"
    for key in ("gateway", "env", "env.A.B", "models.gpt", "targets.x", "description.x", "nope"):
        with pytest.raises(UsageError, match="a profile has no key"):
            find_setting(key)
    assert parse_model_pins(["opus=a/b"]) == {"opus": "a/b"}
    with pytest.raises(UsageError) as caught:
        parse_model_pins(["gpt=x"])
    assert caught.value.fix == "tiers: sonnet, opus, haiku, default; e.g. opus=bedrock/…"


def test_the_schema_and_the_oracle_declare_the_same_fields() -> None:
    fields = profiles.profile_schema()["schema"]["fields"]
    assert list(fields) == list(ProfileFile.model_fields)
