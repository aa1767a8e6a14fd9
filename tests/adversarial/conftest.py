"""Fixtures of the adversarial suite: a scratch home per test, a large ~/.claude.json per session,
and the hypothesis profile CI uses (deterministic: derandomized, no example database, no deadline)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.adversarial.scratch import Scratch, make_scratch

# The example counts live in test_merge_properties.py; they add up to the number the README states.
settings.register_profile(
    "cbcfg-adversarial",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scratch:
    """A scratch home, project and system root; this process's environment points nowhere real."""
    made = make_scratch(tmp_path)
    from tests.adversarial.scratch import SCRUBBED_ENV

    for name in SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(made.home))
    return made


BIG_SIZE = 50 * 1024 * 1024


@pytest.fixture(scope="session")
def big_claude_json(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bytes]:
    """A 50 MB ~/.claude.json shaped like a long-used one: many projects, a user MCP server, counters."""
    project = {
        "allowedTools": [],
        "history": [{"display": "fix the flaky test in ünïcode_module " * 4, "pastedContents": {}}] * 3,
        "mcpContextUris": [],
        "mcpServers": {},
        "enabledMcpjsonServers": [],
        "disabledMcpjsonServers": [],
        "hasTrustDialogAccepted": True,
        "projectOnboardingSeenCount": 4,
        "lastCost": 0.123456789,
        "lastTotalInputTokens": 123456,
    }

    def claude_json(count: int) -> bytes:
        document = {
            "numStartups": 412,
            "installMethod": "native",
            "autoUpdates": False,
            "mcpServers": {"github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"}},
            "projects": {f"/home/u/src/project-{index:06d}": project for index in range(count)},
            "userID": "0" * 64,
        }
        return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    per_project = len(claude_json(1000)) / 1000
    data = claude_json(int(BIG_SIZE / per_project * 1.01))
    assert len(data) >= BIG_SIZE
    yield data


@pytest.fixture
def scratch_with_big_claude_json(scratch: Scratch, big_claude_json: bytes) -> Iterator[Scratch]:
    scratch.claude_json.write_bytes(big_claude_json)
    yield scratch
