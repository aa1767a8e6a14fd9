"""The one scratch-home harness: a scratch machine (home, project, system root), its paths from
cbcfg's own layout code, and the ways to run the real ``cbcfg`` in it.

- ``Scratch.cbcfg`` runs the click app in this process (click's CliRunner; no terminal), with
  ``HOME`` pointing at a scratch "real" home that must stay empty and ``CBCFG_HOME`` at the scratch
  home; ``Scratch.process`` does the same as a separate ``python -m claude_bifrost_cfg``. Both
  check the two things no command may ever do: print a virtual key, or a traceback.
- ``Scratch.invoke`` / ``run`` / ``start`` (the adversarial suite's) run it with ``HOME`` the scratch
  home itself and ``--project``/``--system-root`` added; ``run`` and ``start`` start a real process
  (the only way to kill it, to race two of them, or to run it as another user).

Every run gets a clean environment: none of this machine's BIFROST_*, CLAUDE_CONFIG_DIR, XDG_*,
APPDATA or CBCFG_* variables.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from claude_bifrost_cfg.cli import app
from claude_bifrost_cfg.layout import Layout, Platform, Roots, resolve_layout
from claude_bifrost_cfg.targets import ALL

# Fake keys: long enough to be masked to sk-bf-… plus the last 4 characters.
KEY = "sk-bf-7f3c2a91e5d04b68a1c9f2e3d4b5a6c7"
OTHER_KEY = "sk-bf-0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b"
NON_BIFROST_KEY = "my-own-provider-token-9f8e7d6c5b4a"
# A canary key: long and unique, so finding it anywhere is certain to be a leak.
CANARY_KEY = "sk-bf-c4n4ry0adv3rs4r1al7f3c2a91e5d04b68"

# Variables of this machine that would change where cbcfg writes, what it writes, or how it fails.
SCRUBBED_ENV = (
    "BIFROST_VIRTUAL_KEY",
    "BIFROST_URL",
    "CLAUDE_CONFIG_DIR",
    "CBCFG_HOME",
    "CBCFG_DEBUG",
    "CBCFG_FAULT",
    "CBCFG_LOCK_TIMEOUT",
    "CBCFG_KEEP_BACKUPS",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "APPDATA",
    "LOCALAPPDATA",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
)
# Commands that take a project or a system root: ``invoke`` and ``run`` give them the scratch ones.
_ROOTED = ("apply", "diff", "show", "status", "rollback", "doctor")


@dataclass
class Result:
    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def code(self) -> int:
        return self.exit_code

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    def error_line(self) -> str:
        """The one ``cbcfg: error:`` line, checked to be the only thing on stderr besides warnings."""
        lines = [line for line in self.stderr.splitlines() if not line.startswith("cbcfg: warning:")]
        assert len(lines) == 1, f"expected one error line, got: {self.stderr!r}"
        assert lines[0].startswith("cbcfg: error: "), lines[0]
        return lines[0]

    def __str__(self) -> str:
        return f"exit {self.exit_code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


@dataclass
class Scratch:
    """A scratch machine: ``home``, a ``project`` (the working directory) and a ``system_root``."""

    root: Path
    home: Path
    project: Path
    system_root: Path
    secrets: list[str] = field(default_factory=lambda: [KEY, OTHER_KEY, NON_BIFROST_KEY, CANARY_KEY])

    # --- where the files are: cbcfg's layout for this machine --------------------------------------

    def layout(self, platform: str = "linux") -> Layout:
        """cbcfg's own layout of this scratch machine (an overridden home: no XDG, no APPDATA)."""
        roots = Roots(Platform(platform), self.home, self.project, self.system_root, home_overridden=True)
        return resolve_layout(roots, {})

    def target_path(self, target: str, platform: str = "linux") -> Path:
        return ALL[target].path(self.layout(platform))

    @property
    def settings(self) -> Path:
        return self.layout().user_settings

    @property
    def claude_json(self) -> Path:
        return self.layout().claude_json

    @property
    def desktop(self) -> Path:
        return self.layout().desktop_config

    @property
    def state_dir(self) -> Path:
        return self.layout().state_dir

    @property
    def records(self) -> Path:
        return self.state_dir / "records.json"

    @property
    def backups(self) -> Path:
        return self.state_dir / "backups"

    def _env(self, key: str | None, env: Mapping[str, str | None] | None) -> dict[str, str | None]:
        merged: dict[str, str | None] = {name: None for name in SCRUBBED_ENV}
        merged["HOME"] = str(self.root / "real-home")
        merged["CBCFG_HOME"] = str(self.home)
        if key is not None:
            merged["BIFROST_VIRTUAL_KEY"] = key
            if key.strip() and key.strip() not in self.secrets:
                self.secrets.append(key.strip())
        merged.update(env or {})
        for value in merged.values():
            if value and value not in self.secrets and value.startswith("sk-bf-"):
                self.secrets.append(value)
        return merged

    def cbcfg(
        self,
        *args: str,
        key: str | None = None,
        stdin: str | None = None,
        env: Mapping[str, str | None] | None = None,
    ) -> Result:
        """``cbcfg ARGS`` in this process (click's CliRunner: no terminal on stdin or stdout)."""
        if stdin and stdin.strip():
            self.secrets.append(stdin.strip())
        runner = CliRunner()
        outcome = runner.invoke(app, list(args), input=stdin, env=self._env(key, env), catch_exceptions=True)
        if outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
            raise AssertionError(f"cbcfg {' '.join(args)} raised {outcome.exception!r}") from outcome.exception
        result = Result(tuple(args), outcome.exit_code, outcome.stdout, outcome.stderr)
        self.check_clean(result)
        return result

    def process(
        self,
        *args: str,
        key: str | None = None,
        stdin: str | None = None,
        env: Mapping[str, str | None] | None = None,
        timeout: float = 20,
        wrapper: Sequence[str] = (),
        stdout: Any = subprocess.PIPE,
        stdin_file: Any = None,
    ) -> Result:
        """``python -m claude_bifrost_cfg ARGS`` as a separate process, end to end. ``stdout`` and
        ``stdin_file`` (a file descriptor or file) replace the captured stdout and the ``stdin`` text:
        a closed pipe, a terminal."""
        if stdin and stdin.strip():
            self.secrets.append(stdin.strip())
        full_env = {name: value for name, value in os.environ.items() if name not in SCRUBBED_ENV}
        for name, value in self._env(key, env).items():
            if value is None:
                full_env.pop(name, None)
            else:
                full_env[name] = value
        feed: dict[str, Any] = {"stdin": stdin_file} if stdin_file is not None else {"input": stdin or ""}
        completed = subprocess.run(
            [*wrapper, sys.executable, "-m", "claude_bifrost_cfg", *args],
            **feed,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
            cwd=self.project,
            timeout=timeout,
            check=False,
        )
        result = Result(tuple(args), completed.returncode, completed.stdout or "", completed.stderr)
        self.check_clean(result)
        return result

    def check_clean(self, result: Result) -> None:
        for secret in self.secrets:
            # Not the key, and no 10 characters of it either (a masked key shows only its last 4).
            for start in range(max(1, len(secret) - 9)):
                assert secret[start : start + 10] not in result.output, f"cbcfg {' '.join(result.args)} printed a key"
        assert "Traceback" not in result.output, result.output

    # --- the adversarial suite's way: HOME is the scratch home, the roots passed as options --------

    def env(self, key: str | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items() if name not in SCRUBBED_ENV}
        env.update(HOME=str(self.home), CBCFG_HOME=str(self.home), LANG="C.UTF-8", PYTHONIOENCODING="utf-8")
        if key is not None:
            env["BIFROST_VIRTUAL_KEY"] = key
        env.update(extra or {})
        return env

    def args(self, args: Sequence[str]) -> list[str]:
        """Commands that take a project or system root get the scratch ones (never this machine's)."""
        args = list(args)
        if args and args[0] in _ROOTED:
            args += ["--project", str(self.project), "--system-root", str(self.system_root)]
        return args

    def invoke(
        self, *args: str, key: str | None = CANARY_KEY, stdin: str | None = None, env: Mapping[str, str] | None = None
    ) -> Result:
        """The real CLI in this process."""
        environment: dict[str, str | None] = {name: None for name in SCRUBBED_ENV}
        environment.update(self.env(key, env))
        result = CliRunner().invoke(app, self.args(args), input=stdin, env=environment, catch_exceptions=False)
        return Result(tuple(args), result.exit_code, result.stdout, result.stderr)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "claude_bifrost_cfg", *self.args(args)]

    def run(
        self,
        *args: str,
        key: str | None = CANARY_KEY,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
        user: int | None = None,
    ) -> Result:
        """The real CLI as a separate process; ``user``: run as that uid (and gid) instead of root."""
        command = self.command(*args)
        if user is not None:
            command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
        done = subprocess.run(
            command,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=self.env(key, env),
            cwd=self.project if self.project.is_dir() else self.root,
            timeout=timeout,
            check=False,
        )
        return Result(tuple(args), done.returncode, done.stdout, done.stderr)

    def start(
        self, *args: str, key: str | None = CANARY_KEY, env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(key, env),
            cwd=self.root,
        )

    # --- what is on disk ---------------------------------------------------------------------------

    def tree(self) -> dict[str, tuple[Any, ...]]:
        return snapshot_tree(self.root)

    def files(self, state_dir: Path | None = None) -> set[str]:
        """Every file in the scratch tree outside cbcfg's state folder, relative to the root."""
        state = (state_dir or self.state_dir).relative_to(self.root).as_posix()
        return {path for path, entry in self.tree().items() if entry[0] != "dir" and not path.startswith(state + "/")}

    def contents(self) -> dict[str, bytes]:
        """Every file under the scratch root, by relative path (symlinks as their target's name)."""
        files: dict[str, bytes] = {}
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root).as_posix()
            if path.is_symlink():
                files[relative] = b"-> " + os.readlink(path).encode()
            elif path.is_file():
                files[relative] = path.read_bytes()
        return files

    def stray_temps(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if ".cbcfg-" in p.name and p.name.endswith(".tmp"))


def snapshot_tree(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every folder, file and link under ``root``: kind, mode, mtime (ns) and content."""
    found: dict[str, tuple[Any, ...]] = {}
    for folder, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            path = Path(folder) / name
            info = path.lstat()
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir", stat.S_IMODE(info.st_mode))
            elif not stat.S_ISREG(info.st_mode):  # a named pipe: reading it would wait forever
                found[rel] = ("special", stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_mtime_ns)
            elif not os.access(path, os.R_OK) or info.st_mode & 0o444 == 0:
                found[rel] = ("unreadable", stat.S_IMODE(info.st_mode), info.st_mtime_ns)
            else:
                found[rel] = ("file", stat.S_IMODE(info.st_mode), info.st_mtime_ns, path.read_bytes())
    return found


def read_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def targets_args(names: Sequence[str]) -> list[str]:
    return [arg for name in names for arg in ("-t", name)]


def new_scratch(root: Path, system_root: str = "sysroot") -> Scratch:
    """A scratch machine under ``root``, its folders made (``root/home``, ``root/project``, ...)."""
    scratch = Scratch(root, root / "home", root / "project", root / system_root)
    for folder in (scratch.home, scratch.project, scratch.system_root):
        folder.mkdir(parents=True, exist_ok=True)
    return scratch


def assert_one_clean_line(result: Result) -> None:
    """An expected failure: exactly one line on stderr, in cbcfg's form, and no traceback anywhere."""
    lines = result.stderr.strip("\n").splitlines()
    assert len(lines) == 1, f"want one stderr line:\n{result}"
    assert lines[0].startswith("cbcfg: error: "), result
    assert "Traceback" not in result.stderr + result.stdout, result
    assert "internal error" not in lines[0], result


def make_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scratch:
    for name in SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    scratch = Scratch(tmp_path, tmp_path / "home", tmp_path / "project", tmp_path / "sysroot")
    for folder in (scratch.home, scratch.project, scratch.system_root, tmp_path / "real-home"):
        folder.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "real-home"))
    monkeypatch.chdir(scratch.project)
    return scratch


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scratch]:
    """A scratch machine; after the test, nothing may have been written to the scratch "real" home."""
    machine = make_scratch(tmp_path, monkeypatch)
    yield machine
    assert not any((tmp_path / "real-home").iterdir()), "cbcfg wrote into $HOME instead of --home"
