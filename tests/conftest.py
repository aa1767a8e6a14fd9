"""Shared test set-up: the gateway fixtures, a clean environment, and the e2e suite last."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.support.fixtures"]

# Variables that would let a developer's or the machine's own set-up leak into a test.
_LEAKY = (
    "BIFROST_VIRTUAL_KEY",
    "BIFROST_URL",
    "CBCFG_HOME",
    "CLAUDE_CONFIG_DIR",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)
    # Anything that falls back to the real home lands in a scratch folder instead.
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The e2e suite (real Claude Code client) runs after everything else."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
