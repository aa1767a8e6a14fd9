"""A real keyring backend for tests: gnome-keyring's Secret Service on a private D-Bus session bus.

``scripts/install-test-packages.sh`` installs it in CI (Debian packages dbus and gnome-keyring). Without it the
keyring tests skip on a developer machine and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PASSWORD = "cbcfg-test-keyring"  # the login keyring's password, given on stdin (never argv)


def is_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_secret_service() -> None:
    missing = [tool for tool in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(tool) is None]
    if missing:
        message = (
            f"no Secret Service to test against ({', '.join(missing)} missing): run scripts/install-test-packages.sh"
        )
        if is_ci():
            pytest.fail(f"keyring tests (CI=true): {message}", pytrace=False)
        pytest.skip(message)


@contextmanager
def secret_service(folder: Path, *, unlocked: bool = True) -> Iterator[dict[str, str]]:
    """A session bus and a gnome-keyring daemon on it; yields the environment that reaches them.
    ``unlocked=False``: the daemon runs but its login keyring is locked (no password given)."""
    require_secret_service()
    home = folder / "keyring-home"
    runtime = folder / "keyring-run"
    for path in (home, runtime):
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)
    # Services the bus starts (the keyring's prompter) get this HOME: never the test's scratch ones.
    bus_env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        env=bus_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        assert address, "dbus-daemon printed no address"
        env = {"DBUS_SESSION_BUS_ADDRESS": address}
        daemon_env = {**os.environ, **env, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
        daemon_env.pop("XDG_DATA_HOME", None)
        daemon_env.pop("DISPLAY", None)
        args = ["gnome-keyring-daemon", "--components=secrets"]
        args += ["--unlock"] if unlocked else ["--start"]
        subprocess.run(
            args,
            input=PASSWORD if unlocked else None,
            env=daemon_env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
            start_new_session=True,
        )
        time.sleep(0.2)
        yield env
    finally:
        # The daemon leaves the bus when the bus goes away.
        os.killpg(bus.pid, signal.SIGTERM)
        bus.wait(timeout=10)
