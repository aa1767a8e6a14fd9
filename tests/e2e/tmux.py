"""Drive an interactive program in a detached tmux session, for the e2e tests of the real client's
terminal interface (its `/login`).

    with Tmux.start(command, env=..., cwd=..., socket=folder / "tmux.sock", account=account) as tty:
        tty.wait_for("Cloud gateway")            # the screen's text, polled until it appears
        tty.send_text("/login")                  # typed literally
        tty.press("Enter")                       # tmux key names: Enter, Down, Escape, C-c …
        tty.screen()                             # what is shown now

The tmux server runs the program directly (its first window), with `remain-on-exit`, so a program
that stops keeps its last screen for the failure message. `command` may be wrapped (isolate.py,
setpriv): the wrapper then holds the namespace open as long as the session lives, because the
whole `tmux new-session … ; wait` runs inside it (see `Tmux.start`). Every tmux command for that
server runs as `account`, who owns the server.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

WIDTH, HEIGHT = 160, 50


class TmuxUnavailable(RuntimeError):
    """tmux is not installed."""


def tmux_binary() -> str:
    found = shutil.which("tmux", path="/usr/local/bin:/usr/bin:/bin")
    if found is None:
        raise TmuxUnavailable("tmux is not installed (apt-get install tmux)")
    return found


def session_script(tmux: str, socket: Path, program: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """A `sh -c` that starts `program` in a detached session and waits while the session lives."""
    exports = " ".join(f"-e {shlex.quote(f'{k}={v}')}" for k, v in env.items())
    tm = f"{shlex.quote(tmux)} -S {shlex.quote(str(socket))}"
    # One tmux command line: the options hold before the program starts. default-shell: tmux runs
    # the program through it, and the account's login shell may be nologin (nobody's is).
    start = (
        f"{tm} -f /dev/null start-server \\; set-option -g default-shell /bin/sh \\; "
        f"set-option -g remain-on-exit on \\; set-option -g history-limit 5000 \\; "
        f"new-session -d -x {WIDTH} -y {HEIGHT} {exports} -s e2e {shlex.quote(shlex.join(program))}"
    )
    wait = f"while {tm} has-session -t e2e 2>/dev/null; do sleep 0.2; done"
    return ["/bin/sh", "-c", f"{start} && {wait}"]


@dataclass
class Tmux:
    socket: Path
    process: subprocess.Popen[bytes]  # the wrapper that holds the session (and its namespace)
    control: Sequence[str]  # the prefix that runs a tmux command as the server's owner

    @classmethod
    def start(
        cls,
        wrap: Sequence[str],
        program: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        socket: Path,
        control: Sequence[str] = (),
        timeout: float = 20,
    ) -> Tmux:
        """Run `wrap + [sh -c "tmux new-session program; wait"]`; `control` prefixes the tmux
        commands the test sends (e.g. setpriv to the account that owns the server)."""
        tmux = tmux_binary()
        cmd = [*wrap, *session_script(tmux, socket, program, env)]
        process = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        tty = cls(socket, process, [*control, tmux, "-S", str(socket)])
        deadline = time.monotonic() + timeout
        while not tty.alive():
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                tty.stop()
                raise RuntimeError(f"the tmux session did not start (exit {process.returncode}): {err.strip()}")
            time.sleep(0.1)
        return tty

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([*self.control, *args], capture_output=True, text=True, check=False, timeout=20, cwd="/")
        if check and proc.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} -> exit {proc.returncode}: {proc.stderr.strip()}")
        return proc

    def alive(self) -> bool:
        return self.socket.exists() and self._tmux("has-session", "-t", "e2e", check=False).returncode == 0

    def screen(self) -> str:
        """The visible screen as text (trailing blanks trimmed); '' once the server is gone."""
        proc = self._tmux("capture-pane", "-p", "-J", "-t", "e2e", check=False)
        return "\n".join(line.rstrip() for line in proc.stdout.splitlines()).strip("\n")

    def send_text(self, text: str) -> None:
        self._tmux("send-keys", "-t", "e2e", "-l", text)

    def press(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "e2e", *keys)

    def wait_for(self, *texts: str, timeout: float = 30, absent: str | None = None) -> str:
        """Wait until the screen shows any of `texts` (and not `absent`); the text found. On timeout
        an AssertionError carrying the screen."""
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            for text in texts:
                if text in shown and (absent is None or absent not in shown):
                    return text
            time.sleep(0.2)
        raise AssertionError(f"the screen never showed {texts!r} within {timeout:g} s:\n{self.describe(shown)}")

    def select(self, option: str, *, key: str = "Down", pointer: str = "\u276f", tries: int = 8) -> None:
        """Move a menu's pointer to `option` with `key`, checking the screen before each press (a key
        pressed while the menu is still being drawn is lost)."""
        self.wait_for(option)
        for _ in range(tries):
            if f"{pointer} {option}" in self.screen():
                return
            self.press(key)
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline and f"{pointer} {option}" not in self.screen():
                time.sleep(0.1)
        raise AssertionError(f"could not move the pointer to {option!r}:\n{self.describe()}")

    def describe(self, shown: str | None = None) -> str:
        return f"--- screen ---\n{self.screen() if shown is None else shown}\n--- end of screen ---"

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._tmux("kill-server", check=False)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, 9)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def __enter__(self) -> Tmux:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
