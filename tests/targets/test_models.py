"""The entry checks' plain fast path says exactly what the strict pydantic models say."""

from __future__ import annotations

from typing import Any

import pytest

from claude_bifrost_cfg.targets.models import McpHttpServer, McpStdioServer, McpUrlServer, SettingsEnv, Shape

VALUES: list[Any] = [
    {},
    {"type": "http", "url": "http://localhost:8080/mcp"},
    {"type": "http", "url": "u", "headers": {"Authorization": "Bearer x"}, "extra": [1]},
    {"type": "sse", "url": "u"},
    {"type": "http", "url": 5},
    {"type": "http", "url": "u", "headers": {"a": 1}},
    {"type": "http", "url": "u", "headers": []},
    {"type": "http"},
    {"url": "u", "headers": None},
    {"command": "npx", "args": ["-y", "mcp-remote"], "env": {"K": "v"}},
    {"command": "npx", "args": ["-y", 1]},
    {"command": "npx", "args": "x"},
    {"command": True},
    {"command": "npx", "env": {"K": False}},
    {"env": {"A": "1"}},
    {"env": {"A": 1}},
    {"env": ["A"]},
    {"env": {}},
    {"env": {"A": "1"}, "other": 1},
    ["not", "an", "object"],
    "http",
    None,
]


@pytest.mark.parametrize("shape", [McpHttpServer, McpUrlServer, McpStdioServer, SettingsEnv], ids=lambda s: s.name)
def test_the_plain_check_accepts_exactly_what_the_model_accepts(shape: Shape) -> None:
    from pydantic import ValidationError

    for value in VALUES:
        try:
            shape.model().model_validate(value)
            valid = True
        except ValidationError:
            valid = False
        assert shape.accepts(value) is valid, value
        assert (shape.problem(value) is None) is valid, value


def test_a_problem_is_worded_by_the_model() -> None:
    assert McpHttpServer.problem({"type": "http", "url": 5}) == "url: Input should be a valid string"
