"""One e2e scenario: a scratch machine (home, projects, system root), two test gateways, the real
`cbcfg` and the real `claude`, each run isolated (see claude_client.py).

Who runs what is as in the field: the home and the projects belong to the user (`account`, an
unprivileged uid when the suite is root), the system root to root. The client and user-scope
`cbcfg` commands run as the user; `cbcfg apply … --target managed` runs as root (with root's own
scratch home, as under `sudo`). Files a test writes "as the user" go through `write_as_user`, so
they are the user's as an editor would leave them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from tests.e2e.claude_client import (
    BASE_ENV,
    Account,
    ClaudeClient,
    ClaudeResult,
    Isolation,
    isolated_command,
    mcp_list_status,
    run_group,
)
from tests.support.gateway import Gateway, RecordedRequest

T = TypeVar("T")

# Two virtual keys the gateways accept; tests tell which configuration a request came from by them.
KEY_A = "sk-bf-e2e-user-0001aaaa"
KEY_B = "sk-bf-e2e-other-0002bbbb"
KEYS = (KEY_A, KEY_B)
MESSAGES = "/anthropic/v1/messages"
SESSION_HEADER = "x-claude-code-session-id"  # Claude Code sends its session id on every request


def find_cbcfg() -> list[str] | None:
    """The installed console script: the one beside this interpreter first (the venv's)."""
    beside = Path(sys.executable).parent / "cbcfg"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("cbcfg")
    return [found] if found else None


@dataclass(frozen=True)
class Turn:
    """One `claude -p` run and the Messages requests it made (matched by session id)."""

    result: ClaudeResult
    requests: tuple[tuple[Gateway, RecordedRequest], ...]

    @property
    def request(self) -> RecordedRequest:
        assert self.requests, f"the client sent no Messages request\n{self.result.describe()}"
        return self.requests[-1][1]

    @property
    def gateway(self) -> Gateway:
        assert self.requests, f"the client sent no Messages request\n{self.result.describe()}"
        return self.requests[-1][0]

    @property
    def model(self) -> str:
        body = self.request.json()
        assert isinstance(body, dict), self.request
        return str(body["model"])


@dataclass
class Scenario:
    home: Path
    project: Path  # where project-scoped targets are applied
    elsewhere: Path  # another folder: project settings of `project` must not reach it
    system_root: Path
    no_managed: Path  # an empty folder shown at /etc/claude-code when a test wants no managed layer
    root_home: Path  # root's own home, for the cbcfg runs made as root (as `sudo` would set HOME)
    gateway: Gateway
    other: Gateway
    claude: ClaudeClient
    cbcfg_exe: list[str]
    isolation: Isolation
    account: Account | None = None  # the user; None: this process's own account
    cbcfg_runs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    # -- cbcfg --------------------------------------------------------------------------------------
    def cbcfg(
        self,
        *args: str,
        key: str | None = None,
        stdin: str | None = None,
        check: bool = True,
        as_root: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run the real `cbcfg` as the user (HOME is the scratch home too, so nothing can reach the
        real one), or `as_root` with root's scratch home."""
        run_env = dict(BASE_ENV, HOME=str(self.root_home if as_root else self.home), NO_COLOR="1")
        run_env.pop("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC")
        if key is not None:
            run_env["BIFROST_VIRTUAL_KEY"] = key
        run_env.update(env or {})
        cmd = isolated_command(
            [*self.cbcfg_exe, *args],
            self.isolation,
            [self.gateway.port, self.other.port],
            account=None if as_root else self.account,
        )
        returncode, stdout, stderr = run_group(cmd, cwd=self.elsewhere, env=run_env, stdin=stdin, timeout=60)
        proc = subprocess.CompletedProcess(cmd, returncode, stdout, stderr)
        self.cbcfg_runs.append(proc)
        shown = f"cbcfg {' '.join(args)} -> exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        for secret in KEYS:
            assert secret not in proc.stdout + proc.stderr, f"cbcfg printed a whole key\n{shown}"
        if check:
            assert proc.returncode == 0, shown
        return proc

    def apply(
        self,
        profile: str,
        *targets: str,
        gateway: Gateway | None = None,
        key: str | None = KEY_A,
        extra: Sequence[str] = (),
    ) -> dict[str, Any]:
        """`cbcfg apply PROFILE --yes --json` into the scratch roots; returns its JSON report.
        As root (with root's home) for `--target managed`, as in the field; else as the user."""
        as_root = "managed" in targets
        args = ["apply", profile, "--yes", "--json", *self.roots(as_root=as_root)]
        args += ["--gateway-url", (gateway or self.gateway).url]
        for target in targets:
            args += ["--target", target]
        report = json.loads(self.cbcfg(*args, *extra, key=key, as_root=as_root).stdout)
        assert isinstance(report, dict)
        return report

    def roots(self, *, as_root: bool = False) -> list[str]:
        home = self.root_home if as_root else self.home
        return ["--home", str(home), "--project", str(self.project), "--system-root", str(self.system_root)]

    # -- the user's own hands ------------------------------------------------------------------------
    def as_user(
        self, cmd: Sequence[str], *, cwd: Path | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a plain command (git, an editor's write) as the user, with the scratch HOME."""
        full = self.account.command(cmd) if self.account else list(cmd)
        env = dict(BASE_ENV, HOME=str(self.home), GIT_CONFIG_NOSYSTEM="1")
        proc = subprocess.run(
            full,
            cwd=cwd or self.elsewhere,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert proc.returncode == 0, f"{' '.join(cmd)} -> exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc

    def write_as_user(self, path: Path, text: str) -> None:
        """Write `path` (and any missing folder above it) as the user would: their uid, their umask."""
        script = (
            "import pathlib, sys; p = pathlib.Path(sys.argv[1]); p.parent.mkdir(parents=True, exist_ok=True); "
            "p.write_bytes(sys.stdin.buffer.read())"
        )
        self.as_user([sys.executable, "-c", script, str(path)], stdin=text)  # a key never in argv

    def edit_json_as_user(self, path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
        """Load the JSON file, let `edit` change it, write it back as the user (2-space indent)."""
        data = read_json(path) if path.exists() else {}
        edit(data)
        self.write_as_user(path, json.dumps(data, indent=2) + "\n")

    @property
    def managed_dir(self) -> Path:
        return self.system_root / "etc" / "claude-code"

    # -- claude -------------------------------------------------------------------------------------
    def client(self, managed: bool = False) -> ClaudeClient:
        """The client; where a mount namespace is possible, /etc/claude-code is always a scratch
        folder (cbcfg's managed file, or an empty one), so a real managed-settings.json on the
        machine can never change a result."""
        if managed:
            return replace(self.claude, managed_dir=self.managed_dir)
        return replace(self.claude, managed_dir=self.no_managed) if self.isolation.mnt else self.claude

    def ask(
        self,
        model: str | None = None,
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        managed: bool = False,
    ) -> Turn:
        """`claude -p "say hi" --output-format json [--model MODEL]`; it must succeed."""
        result = self.client(managed).prompt(model=model, cwd=cwd or self.elsewhere, env=env)
        assert result.returncode == 0, result.describe()
        data = result.json()
        assert data.get("is_error") is False and data.get("result") == "hi", result.describe()
        session = str(data["session_id"])
        requests = tuple(
            (gw, r)
            for gw in (self.gateway, self.other)
            for r in gw.requests_to(MESSAGES, "POST")
            if r.headers.get(SESSION_HEADER) == session
        )
        return Turn(result, requests)

    def ask_each(
        self,
        models: Iterable[str | None],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        managed: bool = False,
    ) -> dict[str | None, Turn]:
        """Several `ask`s at once (each is its own process and session): the suite stays fast."""
        wanted = list(models)
        with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
            futures = {m: pool.submit(self.ask, m, cwd=cwd, env=env, managed=managed) for m in wanted}
            return {m: f.result() for m, f in futures.items()}

    @staticmethod
    def at_once(*calls: Callable[[], T]) -> list[T]:
        """Run independent client calls concurrently (each is its own process)."""
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return [f.result() for f in [pool.submit(call) for call in calls]]

    def mcp_status(self, *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str | None:
        result = self.client().mcp_list(cwd=cwd or self.elsewhere, env=env)
        assert result.returncode == 0, result.describe()
        return mcp_list_status(result.stdout, "bifrost")


def key_headers(request: RecordedRequest) -> dict[str, str]:
    """The headers that can carry a key, as sent."""
    return {
        name: request.headers[name] for name in ("x-api-key", "authorization", "x-bf-vk") if name in request.headers
    }


def read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data
