"""The quick draft-07 check gives jsonschema's verdict: on the bundled settings schema, and keyword by keyword."""

from __future__ import annotations

import copy
import json
import random
from importlib import resources
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_bifrost_cfg.draft7 import compile_schema, equal

SETTINGS_SCHEMA = json.loads(
    resources.files("claude_bifrost_cfg").joinpath("schemas", "claude-code-settings.schema.json").read_text("utf-8")
)

A_SETTINGS_FILE: dict[str, Any] = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "model": "opus",
    "permissions": {
        "allow": ["Bash(npm run test:*)", "Read(~/src/**)"],
        "deny": ["Read(./.env)"],
        "defaultMode": "acceptEdits",
    },
    "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "check.sh", "timeout": 5}]}],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
    },
    "statusLine": {"type": "command", "command": "~/.claude/statusline.sh", "padding": 0},
    "env": {"ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic", "DISABLE_TELEMETRY": "1"},
    "includeCoAuthoredBy": False,
    "cleanupPeriodDays": 60,
    "apiKeyHelper": "~/bin/key.sh",
}

ODD_VALUES: list[Any] = [None, True, False, 0, 1, -1, 1.5, 2.0, "", "x", "opus", [], ["a"], [1, 1], {}, {"a": 1}]


def agree(schema: Any, document: Any) -> None:
    expected = jsonschema.Draft7Validator(schema).is_valid(document)
    assert compile_schema(schema)(document) is expected, (schema, document)


def mutations(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The document with one value somewhere replaced by an odd one (or a key added or removed)."""
    mutated = copy.deepcopy(document)
    node: Any = mutated
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = rng.choice(keys)
        if isinstance(node[key], dict | list) and rng.random() < 0.6:
            node = node[key]
            continue
        action = rng.random()
        if action < 0.7:
            node[key] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif action < 0.85 and isinstance(node, dict):
            del node[key]
        elif isinstance(node, dict):
            node["unknownKey"] = rng.choice(ODD_VALUES)
        break
    return mutated


def test_the_bundled_schema_is_checked_without_jsonschema() -> None:
    assert compile_schema(SETTINGS_SCHEMA)(A_SETTINGS_FILE) is True


@pytest.mark.parametrize("seed", range(300))
def test_settings_documents_get_jsonschemas_verdict(seed: int) -> None:
    rng = random.Random(seed)
    document = A_SETTINGS_FILE
    for _ in range(rng.randint(1, 3)):
        document = mutations(document, rng)
    agree(SETTINGS_SCHEMA, document)


@pytest.mark.parametrize("key", sorted(SETTINGS_SCHEMA["properties"]))
@pytest.mark.parametrize("value", ODD_VALUES[:12], ids=repr)
def test_every_top_level_setting_gets_jsonschemas_verdict(key: str, value: Any) -> None:
    agree(SETTINGS_SCHEMA, {key: value})


KEYWORD_CASES: list[tuple[dict[str, Any], list[Any]]] = [
    ({"type": "integer"}, [1, 1.0, 1.5, True, "1", None]),
    ({"type": ["string", "null"]}, ["a", None, 0, False]),
    ({"enum": [1, "a", None, [1], {"b": 2}]}, [1, 1.0, True, "a", None, [1], [True], {"b": 2}, {"b": 2.0}, 2]),
    ({"const": False}, [False, 0, None, True]),
    ({"minimum": 2, "exclusiveMaximum": 5}, [2, 1.99, 5, 4.9, True, "9"]),
    ({"minLength": 2, "maxLength": 3, "pattern": "^a"}, ["ab", "a", "abcd", "ba", "🚀🚀", 5]),
    ({"items": {"type": "string"}, "minItems": 1, "maxItems": 2, "uniqueItems": True}, [["a"], [], ["a", "a"], [1]]),
    ({"items": [{"type": "string"}], "additionalItems": False}, [["a"], ["a", "b"], [1], []]),
    ({"uniqueItems": True}, [[1, True], [1, 1.0], [{"a": 1}, {"a": 1}], [[1], [True]], [0, False]]),
    (  # uniqueItems by hashed keys: the same verdicts as the pairwise comparison
        {"uniqueItems": True},
        [
            [{"a": 1, "b": [True]}, {"b": [True], "a": 1.0}],
            [{"a": [1]}, {"a": [True]}],
            [None, 0, False, "", [], {}],
            [None, None],
            [[], {}],
            [{"a": None}, {"b": None}],
            [10**20, 1e20],
            ["1", 1],
            [[1, [2]], [1, [2.0]]],
        ],
    ),
    ({"contains": {"const": 1}}, [[1], [True], [], "x"]),
    (
        {"properties": {"a": {"type": "string"}}, "patternProperties": {"^x-": {"type": "integer"}}},
        [{"a": "s"}, {"a": 1}, {"x-1": 1}, {"x-1": "s"}, {"b": None}, []],
    ),
    (
        {"properties": {"a": {}}, "patternProperties": {"^x": {}}, "additionalProperties": False},
        [{"a": 1}, {"xy": 1}, {"b": 1}, {}],
    ),
    ({"required": ["a"], "minProperties": 1, "maxProperties": 2}, [{"a": 1}, {}, {"b": 1}, {"a": 1, "b": 2, "c": 3}]),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, [{"ab": 1}, {"A": 1}, {}]),
    (
        {"dependencies": {"a": ["b"], "c": {"required": ["d"]}}},
        [{"a": 1}, {"a": 1, "b": 2}, {"c": 1}, {"c": 1, "d": 1}],
    ),
    ({"anyOf": [{"type": "string"}, {"minimum": 3}]}, ["x", 4, 1, None]),
    ({"oneOf": [{"type": "integer"}, {"minimum": 3}]}, [1, 4, 2.5, "x"]),
    ({"allOf": [{"type": "integer"}, {"minimum": 3}], "not": {"const": 5}}, [3, 5, 2, "x"]),
    ({"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "integer"}}, ["ab", "a", 1, 1.5]),
    ({"then": {"type": "string"}}, [1, "a"]),
    ({"$ref": "#/$defs/s", "type": "integer", "$defs": {"s": {"type": "string"}}}, ["a", 1]),
    ({"properties": {"next": {"$ref": "#"}}, "type": "object"}, [{"next": {"next": {}}}, {"next": {"next": 1}}]),
    ({"format": "email", "description": "formats are not asserted"}, ["not an email"]),
    ({"properties": {"a": True, "b": False}}, [{"a": 1}, {"b": 1}]),
]


@pytest.mark.parametrize(("schema", "documents"), KEYWORD_CASES)
def test_each_keyword_gets_jsonschemas_verdict(schema: dict[str, Any], documents: list[Any]) -> None:
    for document in documents:
        agree(schema, document)


def test_what_it_does_not_implement_is_left_to_jsonschema() -> None:
    assert compile_schema({"multipleOf": 0.1})(0.3) is None
    assert compile_schema({"$ref": "https://example.com/other.json"})(1) is None
    assert compile_schema({"type": "no-such-type"})(1) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-3, 3, allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=8,
)


@given(json_values, json_values)
@settings(max_examples=300, deadline=None)
def test_equality_is_jsonschemas(one: Any, two: Any) -> None:
    from jsonschema._utils import equal as reference

    assert equal(one, two) == reference(one, two)
