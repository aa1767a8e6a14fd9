"""Fixtures of the e2e suite: the pinned client, the isolation this machine allows, a scenario."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.claude_client import (
    Account,
    AccountUnavailable,
    ClaudeClient,
    ClaudeUnavailable,
    Isolation,
    check_account_can_run,
    e2e_account,
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
def account(claude_binary: Path, cbcfg_exe: list[str]) -> Account | None:
    """The unprivileged user the client runs as when the suite is root (None: this process's own
    account, already a user's); it must be able to start both programs."""
    try:
        found = e2e_account()
        if found is not None:
            check_account_can_run(found, [[str(claude_binary)], cbcfg_exe])
    except AccountUnavailable as exc:
        _unavailable(str(exc))
        raise AssertionError("not reached") from exc
    return found


# Each folder of the scratch machine: owned by the user (True) or by root, and its mode. The
# user's home is private, as useradd makes it on Debian 12; the system root is root's, as / is.
MACHINE = {
    "home": (True, 0o700),
    "project": (True, 0o755),
    "elsewhere": (True, 0o755),
    "system": (False, 0o755),
    "no-managed": (False, 0o755),
    "root-home": (False, 0o700),
}


@pytest.fixture
def machine(account: Account | None) -> Iterator[dict[str, Path]]:
    """The scratch machine's folders. Not under tmp_path: pytest keeps /tmp/pytest-of-root at 0700
    (and re-tightens it at every session start), which the user could never enter."""
    root = Path(tempfile.mkdtemp(prefix="cbcfg-e2e-"))
    try:
        root.chmod(0o755)
        dirs = {}
        for name, (users, mode) in MACHINE.items():
            path = root / name
            path.mkdir()
            path.chmod(mode)
            if users and account is not None:
                os.chown(path, account.uid, account.gid)
            dirs[name] = path
        yield dirs
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def other_gateway_server() -> Iterator[Gateway]:
    """A second gateway: tests tell "which configuration won" by where requests arrive."""
    with Gateway(keys=KEYS) as gw:
        yield gw


@pytest.fixture
def scenario(
    machine: dict[str, Path],
    claude_binary: Path,
    isolation: Isolation,
    cbcfg_exe: list[str],
    account: Account | None,
    gateway: Gateway,
    other_gateway_server: Gateway,
) -> Iterator[Scenario]:
    gateway.keys = set(KEYS)
    other = other_gateway_server
    other.reset()
    other.keys = set(KEYS)
    dirs = machine
    claude = ClaudeClient(
        binary=claude_binary,
        home=dirs["home"],
        isolation=isolation,
        forward_ports=(gateway.port, other.port),
        account=account,
    )
    yield Scenario(
        home=dirs["home"],
        project=dirs["project"],
        elsewhere=dirs["elsewhere"],
        system_root=dirs["system"],
        no_managed=dirs["no-managed"],
        root_home=dirs["root-home"],
        gateway=gateway,
        other=other,
        claude=claude,
        cbcfg_exe=cbcfg_exe,
        isolation=isolation,
        account=account,
    )
    other.reset()
