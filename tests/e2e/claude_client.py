"""Drive the real Claude Code CLI for the end-to-end tests.

- The pinned version lives in `CLAUDE_CODE_VERSION` beside this file (one line; bump it there).
- `install_claude_code()` runs `scripts/install-claude-code.sh`, which installs that version into
  the git-ignored `.cache/claude-code/<version>/` and reuses it when present.
- `ClaudeClient` runs the binary with a scratch HOME and a clean environment (only PATH, HOME,
  TERM, LANG and the nonessential-traffic switch, plus what a test adds), inside a network
  namespace that has only loopback when the machine allows it (see `isolate.py`), optionally with
  a scratch folder mounted at /etc/claude-code for managed settings.
- When the suite runs as root, the client runs as an unprivileged account (`e2e_account()`:
  `nobody`, or `CBCFG_E2E_USER`), the way it runs in the field: the namespaces are set up as
  root, then `setpriv` drops to that uid/gid, with no supplementary groups, as the client is
  exec'd. Root reads files a user cannot; a test run as root would not see that.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
VERSION_FILE = HERE / "CLAUDE_CODE_VERSION"
INSTALLER = REPO_ROOT / "scripts" / "install-claude-code.sh"
ISOLATE = HERE / "isolate.py"
MANAGED_DIR = "/etc/claude-code"

# What every run gets, and nothing else from the caller's environment.
BASE_ENV: dict[str, str] = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "TERM": "dumb",
    "LANG": "C.UTF-8",
    # No telemetry, error reports, auto-update checks or the HEAD /api/hello probe.
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
}


class ClaudeUnavailable(RuntimeError):
    """npm or the pinned binary is missing; the message says what to do."""


def pinned_version() -> str:
    return VERSION_FILE.read_text(encoding="utf-8").strip()


def install_claude_code(timeout: float = 900) -> Path:
    """Install (or reuse) the pinned client and return the path of its native binary."""
    if sys.platform == "win32":
        raise ClaudeUnavailable("the e2e suite runs on Linux/macOS only")
    try:
        proc = subprocess.run(
            ["bash", str(INSTALLER)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClaudeUnavailable(f"{INSTALLER.name} could not run: {exc}") from exc
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
        raise ClaudeUnavailable(
            f"could not install @anthropic-ai/claude-code@{pinned_version()} "
            f"({INSTALLER.relative_to(REPO_ROOT)} exited {proc.returncode}):\n{tail}"
        )
    binary = Path(proc.stdout.strip().splitlines()[-1])
    if not os.access(binary, os.X_OK):
        raise ClaudeUnavailable(f"the installer reported {binary}, which is not executable")
    return binary


@dataclass(frozen=True)
class Isolation:
    """What `isolate.py` can do on this machine."""

    net: bool
    mnt: bool
    reason: str = ""


# Drop from root to UID:GID, then exec the command (where util-linux's setpriv is missing).
_DROP_PRIVILEGES = """\
import os, sys
uid, gid = int(sys.argv[1]), int(sys.argv[2])
os.setgroups([])
os.setresgid(gid, gid, gid)
os.setresuid(uid, uid, uid)
try:
    os.execvp(sys.argv[3], sys.argv[3:])
except OSError as exc:
    sys.exit(f"e2e: cannot run {sys.argv[3]} as uid {uid}: {exc}")
"""


@dataclass(frozen=True)
class Account:
    """The unprivileged user the client (and user-scope cbcfg) runs as when the suite is root."""

    name: str
    uid: int
    gid: int

    def command(self, cmd: Sequence[str]) -> list[str]:
        """`cmd` run as this account: real, effective and saved uid/gid, no supplementary groups
        (root's would otherwise stay); no capabilities once it runs.

        `setpriv` execs with root's capabilities still effective, so the program (and its `#!`
        interpreter) is found even under a folder the user cannot enter — e.g. a venv whose
        python is pyenv's under /root; everything it opens afterwards is checked as the user."""
        setpriv = shutil.which("setpriv", path=BASE_ENV["PATH"])
        if setpriv is None:
            return [sys.executable, "-c", _DROP_PRIVILEGES, str(self.uid), str(self.gid), *cmd]
        return [setpriv, f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups", "--", *cmd]


class AccountUnavailable(RuntimeError):
    """The unprivileged account cannot be used here; the message says why and what to do."""


ROOT_ACCOUNT_HINT = "CBCFG_E2E_USER=root runs the client as root (it then cannot see permission defects)"


def e2e_account() -> Account | None:
    """Who runs the client: None when the suite is not root (it already runs as a user) or when
    `CBCFG_E2E_USER=root`; else that account (default `nobody`, present on every Debian through
    base-passwd) with its primary group. Raises AccountUnavailable when it cannot be used."""
    if sys.platform == "win32" or os.geteuid() != 0:
        return None
    name = os.environ.get("CBCFG_E2E_USER", "nobody")
    if name == "root":
        return None
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise AccountUnavailable(f"no account {name!r} on this machine (CBCFG_E2E_USER); {ROOT_ACCOUNT_HINT}") from None
    if entry.pw_uid == 0:
        return None
    return Account(name, entry.pw_uid, entry.pw_gid)


def check_account_can_run(account: Account, programs: Sequence[Sequence[str]]) -> None:
    """Each program must start as `account` (a checkout under a 0700 folder such as /root is out
    of its reach): run `PROGRAM --version` as the account."""
    for program in programs:
        proc = subprocess.run(
            account.command([*program, "--version"]),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            cwd="/",
            env=dict(BASE_ENV, HOME="/"),
        )
        if proc.returncode != 0:
            raise AccountUnavailable(
                f"{program[0]} does not start as user {account.name!r} (exit {proc.returncode}: "
                f"{proc.stderr.strip()[-300:]}); put the checkout and the client cache in a folder "
                f"every user can read (not under /root), or {ROOT_ACCOUNT_HINT}"
            )


@functools.cache
def probe_isolation() -> Isolation:
    if os.environ.get("CBCFG_E2E_NO_ISOLATION"):
        return Isolation(False, False, "disabled by CBCFG_E2E_NO_ISOLATION")
    if sys.platform != "linux" or os.geteuid() != 0:
        return Isolation(False, False, "network/mount namespaces need Linux and root")
    proc = subprocess.run(
        [sys.executable, str(ISOLATE), "--probe"], capture_output=True, text=True, check=False, timeout=30
    )
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        return Isolation(False, False, f"isolate.py --probe failed: {proc.stderr.strip()}")
    return Isolation(bool(data["net"]), bool(data["mnt"]), str(data.get("reason", "")))


def isolated_command(
    cmd: Sequence[str],
    isolation: Isolation,
    forward_ports: Sequence[int] = (),
    managed_dir: Path | None = None,
    account: Account | None = None,
) -> list[str]:
    """`cmd` wrapped by isolate.py when network namespaces work here, else `cmd` itself; run as
    `account` when given (the namespaces and mounts are made as root first, then privileges go).

    `managed_dir` is shown to the command at /etc/claude-code; that needs a mount namespace, so
    without one this raises (the caller skips with `isolation.reason`)."""
    if managed_dir is not None and not isolation.mnt:
        raise RuntimeError(f"cannot show a scratch {MANAGED_DIR} to the client: {isolation.reason}")
    if account is not None:
        cmd = account.command(cmd)
    if not isolation.net:
        return list(cmd)
    wrapper = [sys.executable, str(ISOLATE)]
    for port in forward_ports:
        wrapper += ["--forward", str(port)]
    if managed_dir is not None:
        wrapper += ["--bind", f"{managed_dir}:{MANAGED_DIR}"]
    return [*wrapper, "--", *cmd]


def run_group(
    cmd: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    stdin: str | None = None,
) -> tuple[int, str, str]:
    """Run `cmd` in its own process group; on timeout kill the whole group (the isolate.py
    wrapper, its namespace child and the program) and return -9 with a note on stderr."""
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        return -9, stdout, stderr + f"\n[e2e] timed out after {timeout:g} s; killed"
    return proc.returncode, stdout, stderr


@dataclass
class ClaudeResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        data = json.loads(self.stdout)
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {self.stdout[:200]!r}")
        return data

    def describe(self) -> str:
        return (
            f"claude {' '.join(self.args)} -> exit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[-3000:]}\n--- stderr ---\n{self.stderr[-3000:]}"
        )


@dataclass
class ClaudeClient:
    """One scratch HOME; each call is a fresh `claude` process.

    `forward_ports`: gateway ports on the host's 127.0.0.1 to make reachable inside the network
    namespace. `managed_dir`: a folder to show the client at /etc/claude-code (needs `mnt`).
    `account`: the unprivileged user it runs as (None: as this process).
    """

    binary: Path
    home: Path
    isolation: Isolation = field(default_factory=lambda: Isolation(False, False, "not requested"))
    forward_ports: Sequence[int] = ()
    managed_dir: Path | None = None
    env_extra: Mapping[str, str] = field(default_factory=dict)
    account: Account | None = None

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(BASE_ENV)
        env["HOME"] = str(self.home)
        env.update(self.env_extra)
        if extra:
            env.update(extra)
        return env

    def command(self, args: Sequence[str]) -> list[str]:
        return isolated_command(
            [str(self.binary), *args], self.isolation, self.forward_ports, self.managed_dir, self.account
        )

    def run(
        self,
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 30,
    ) -> ClaudeResult:
        """Run `claude ARGS`; on timeout the whole process group (wrapper, namespace, client) is
        killed and the result has returncode -9 (a 401 from the gateway makes the client retry
        for minutes, so a wrong key shows up here)."""
        returncode, stdout, stderr = run_group(
            self.command(args), cwd=cwd or self.home, env=self.environment(env), timeout=timeout
        )
        if returncode == -9:
            stderr += "\n[e2e] a 401 answer from the gateway makes claude retry for minutes"
        return ClaudeResult(list(args), returncode, stdout, stderr)

    def prompt(
        self,
        text: str = "say hi",
        *,
        model: str | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ClaudeResult:
        """`claude -p TEXT --output-format json [--model MODEL]`."""
        args = ["-p", text, "--output-format", "json"]
        if model:
            args += ["--model", model]
        return self.run(*args, cwd=cwd, env=env)

    def mcp_list(self, *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> ClaudeResult:
        return self.run("mcp", "list", cwd=cwd, env=env)

    def version(self) -> str:
        return self.run("--version").stdout.strip()


def mcp_list_status(output: str, name: str) -> str | None:
    """The status text `claude mcp list` prints for server `name` ('✔ Connected', '⏸ Pending
    approval …', '✘ Failed to connect', …), or None when the server is not listed."""
    prefix = f"{name}: "
    for line in output.splitlines():
        if line.startswith(prefix) and " - " in line:
            return line.rsplit(" - ", 1)[1].strip()
    return None


def is_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
