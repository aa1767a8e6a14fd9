"""A scratch home, project and system root, and the two ways to run the real cbcfg in them.

``invoke`` runs the click app in this process (fast); ``run`` starts ``python -m claude_bifrost_cfg``
(a real process: the only way to kill it, to race two of them, or to see exactly what it prints
without the redaction state another in-process run left behind).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from claude_bifrost_cfg.cli import app

# A canary key: long and unique, so finding it anywhere is certain to be a leak.
KEY = "sk-bf-c4n4ry0adv3rs4r1al7f3c2a91e5d04b68"
# Variables of this machine that would change where cbcfg writes, what it writes, or how it fails.
SCRUBBED_ENV = (
    "BIFROST_VIRTUAL_KEY",
    "BIFROST_URL",
    "CLAUDE_CONFIG_DIR",
    "CBCFG_HOME",
    "CBCFG_DEBUG",
    "CBCFG_FAULT",
    "CBCFG_LOCK_TIMEOUT",
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


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


@dataclass(frozen=True)
class Scratch:
    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def system_root(self) -> Path:
        return self.root / "system"

    @property
    def settings(self) -> Path:
        return self.home / ".claude" / "settings.json"

    @property
    def claude_json(self) -> Path:
        return self.home / ".claude.json"

    @property
    def desktop(self) -> Path:
        return self.home / ".config" / "Claude" / "claude_desktop_config.json"

    @property
    def state_dir(self) -> Path:
        return self.home / ".local" / "state" / "cbcfg"

    @property
    def records(self) -> Path:
        return self.state_dir / "records.json"

    @property
    def backups(self) -> Path:
        return self.state_dir / "backups"

    def target_path(self, target: str) -> Path:
        return {
            "code": self.settings,
            "code-project": self.project / ".claude" / "settings.json",
            "code-local": self.project / ".claude" / "settings.local.json",
            "desktop": self.desktop,
            "desktop-gateway": self.home / ".config/Claude-3p/configLibrary/00000000-0000-4000-8000-00000000cbcf.json",
            "desktop-library": self.home / ".config/Claude-3p/configLibrary/_meta.json",
            "code-mcp": self.claude_json,
            "project-mcp": self.project / ".mcp.json",
            "managed": self.system_root / "etc" / "claude-code" / "managed-settings.json",
            "managed-dropin": self.system_root / "etc" / "claude-code" / "managed-settings.d" / "50-cbcfg.json",
        }[target]

    def env(self, key: str | None = KEY, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items() if name not in SCRUBBED_ENV}
        env.update(HOME=str(self.home), CBCFG_HOME=str(self.home), LANG="C.UTF-8", PYTHONIOENCODING="utf-8")
        if key is not None:
            env["BIFROST_VIRTUAL_KEY"] = key
        env.update(extra or {})
        return env

    def args(self, args: Sequence[str]) -> list[str]:
        """Commands that take a project or system root get the scratch ones (never this machine's)."""
        args = list(args)
        if args and args[0] in ("apply", "diff", "show", "status", "rollback", "doctor"):
            args += ["--project", str(self.project), "--system-root", str(self.system_root)]
        return args

    def invoke(
        self, *args: str, key: str | None = KEY, stdin: str | None = None, env: Mapping[str, str] | None = None
    ) -> Result:
        """The real CLI in this process."""
        environment: dict[str, str | None] = {name: None for name in SCRUBBED_ENV}
        environment.update(self.env(key, env))
        result = CliRunner().invoke(app, self.args(args), input=stdin, env=environment, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "claude_bifrost_cfg", *self.args(args)]

    def run(
        self,
        *args: str,
        key: str | None = KEY,
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
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def start(self, *args: str, key: str | None = KEY, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(key, env),
            cwd=self.root,
        )

    def tree(self) -> dict[str, bytes]:
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


def make_scratch(root: Path) -> Scratch:
    scratch = Scratch(root)
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
