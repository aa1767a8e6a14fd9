"""Fixtures of the e2e suite: the pinned client, the isolation this machine allows, a scenario."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.claude_client import (
    ClaudeClient,
    ClaudeUnavailable,
    Isolation,
    install_claude_code,
    is_ci,
    pinned_version,
    probe_isolation,
)
from tests.e2e.harness import KEYS, Scenario, find_cbcfg
from tests.support.gateway import Gateway


def _unavailable(message: str) -> None:
    """In CI a missing prerequisite fails the suite; on a developer machine it skips it."""
    if is_ci():
        pytest.fail(f"e2e (CI=true): {message}", pytrace=False)
    pytest.skip(f"e2e: {message}")


@pytest.fixture(scope="session")
def claude_binary() -> Path:
    override = os.environ.get("CBCFG_E2E_CLAUDE")
    if override:
        found = subprocess.run([override, "--version"], capture_output=True, text=True, check=False).stdout
        if not found.startswith(f"{pinned_version()} "):
            _unavailable(f"CBCFG_E2E_CLAUDE={override} is {found.strip()!r}, not the pinned {pinned_version()}")
        return Path(override)
    try:
        return install_claude_code()
    except ClaudeUnavailable as exc:
        problem = str(exc)
    _unavailable(
        f"the pinned Claude Code {pinned_version()} is not available: {problem}\n"
        "Install it with scripts/install-claude-code.sh (needs npm and the npm registry)."
    )
    raise AssertionError("not reached")


@pytest.fixture(scope="session")
def isolation() -> Isolation:
    return probe_isolation()


@pytest.fixture(scope="session")
def cbcfg_exe() -> list[str]:
    exe = find_cbcfg()
    if exe is None:
        _unavailable("the cbcfg command is not installed (pip install -e '.[test]')")
        raise AssertionError("not reached")
    return exe


@pytest.fixture(scope="session")
def other_gateway_server() -> Iterator[Gateway]:
    """A second gateway: tests tell "which configuration won" by where requests arrive."""
    with Gateway(keys=KEYS) as gw:
        yield gw


@pytest.fixture
def scenario(
    tmp_path: Path,
    claude_binary: Path,
    isolation: Isolation,
    cbcfg_exe: list[str],
    gateway: Gateway,
    other_gateway_server: Gateway,
) -> Iterator[Scenario]:
    gateway.keys = set(KEYS)
    other = other_gateway_server
    other.reset()
    other.keys = set(KEYS)
    dirs = {name: tmp_path / name for name in ("home", "project", "elsewhere", "system", "no-managed")}
    for path in dirs.values():
        path.mkdir()
    claude = ClaudeClient(
        binary=claude_binary,
        home=dirs["home"],
        isolation=isolation,
        forward_ports=(gateway.port, other.port),
    )
    yield Scenario(
        home=dirs["home"],
        project=dirs["project"],
        elsewhere=dirs["elsewhere"],
        system_root=dirs["system"],
        no_managed=dirs["no-managed"],
        gateway=gateway,
        other=other,
        claude=claude,
        cbcfg_exe=cbcfg_exe,
        isolation=isolation,
    )
    other.reset()
