"""Run the real ``cbcfg`` against a scratch home, project and system root, and look at what it left.

Every run gets a clean environment (no BIFROST_*, CLAUDE_CONFIG_DIR, XDG_* or APPDATA of this machine),
``HOME`` and ``CBCFG_HOME`` pointing into the scratch tree, and the project as the working directory.
Every run also checks the two things no command may ever do: print a virtual key, or a traceback.
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

# Fake keys: long enough to be masked to sk-bf-… plus the last 4 characters.
KEY = "sk-bf-7f3c2a91e5d04b68a1c9f2e3d4b5a6c7"
OTHER_KEY = "sk-bf-0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b"
NON_BIFROST_KEY = "my-own-provider-token-9f8e7d6c5b4a"

# Variables of this machine that would change where cbcfg writes or what it writes.
SCRUBBED_ENV = (
    "BIFROST_VIRTUAL_KEY",
    "BIFROST_URL",
    "CLAUDE_CONFIG_DIR",
    "CBCFG_HOME",
    "CBCFG_DEBUG",
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

PROFILES = ("local", "production", "bedrock", "vertex", "azure")
PROVIDER_PROFILES = ("bedrock", "vertex", "azure")
PLATFORMS = ("linux", "macos", "windows")
LOCAL_URL = "http://localhost:8080"
PRODUCTION_URL = "https://bifrost.example.com"  # the seed's own production URL, given explicitly

# The seed's env blocks (seed-bifrost-claude-desktop.md), with the placeholder key replaced by KEY.
SEED_ENV: dict[str, dict[str, str]] = {
    "local": {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic"},
    "production": {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": "https://bifrost.example.com/anthropic"},
    "bedrock": {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic",
        "ANTHROPIC_DEFAULT_SONNET_MODEL": "bedrock/global.anthropic.claude-sonnet-4-6",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0",
    },
    "vertex": {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic",
        "ANTHROPIC_DEFAULT_SONNET_MODEL": "vertex/claude-sonnet-4-6",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": "vertex/claude-haiku-4-5",
    },
    "azure": {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic",
        "ANTHROPIC_DEFAULT_SONNET_MODEL": "azure/claude-sonnet-4-6",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": "azure/claude-haiku-4-5",
    },
}
OPUS = "ANTHROPIC_DEFAULT_OPUS_MODEL"


def gateway_of(profile: str) -> str:
    return PRODUCTION_URL if profile == "production" else LOCAL_URL


def profile_args(profile: str) -> list[str]:
    """What a profile needs on the command line besides the key (production: its real URL)."""
    return ["--gateway-url", PRODUCTION_URL] if profile == "production" else []


def expected_env(profile: str, env: Mapping[str, str], with_key: bool = True) -> dict[str, str]:
    """The seed's block for ``profile``; provider profiles additionally pin Opus to their provider
    (Claude Code's default model), which is checked here and taken from ``env``."""
    wanted = dict(SEED_ENV[profile])
    if not with_key:
        del wanted["ANTHROPIC_API_KEY"]
    if profile in PROVIDER_PROFILES:
        opus = env.get(OPUS, "")
        assert opus.startswith(profile + "/") and "opus" in opus, f"{profile}: Opus not pinned: {opus!r}"
        wanted[OPUS] = opus
    return wanted


# --- running the CLI ----------------------------------------------------------------------------


@dataclass
class Result:
    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

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


@dataclass
class Scratch:
    """A scratch machine: ``home``, a ``project`` (the working directory) and a ``system_root``."""

    root: Path
    home: Path
    project: Path
    system_root: Path
    secrets: list[str] = field(default_factory=lambda: [KEY, OTHER_KEY, NON_BIFROST_KEY])

    # Where the files land on Linux with this home (the default platform of these tests).
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

    # --- what is on disk ---------------------------------------------------------------------------

    def tree(self) -> dict[str, tuple[Any, ...]]:
        return snapshot_tree(self.root)

    def files(self, state_dir: Path | None = None) -> set[str]:
        """Every file in the scratch tree outside cbcfg's state folder, relative to the root."""
        state = (state_dir or self.state_dir).relative_to(self.root).as_posix()
        return {path for path, entry in self.tree().items() if entry[0] != "dir" and not path.startswith(state + "/")}


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


# --- where each target lands, and what it holds --------------------------------------------------

ALL_TARGETS = ("code", "code-project", "code-local", "desktop", "code-mcp", "project-mcp", "managed")
DESKTOP_CONFIG = {
    "linux": ".config/Claude/claude_desktop_config.json",
    "macos": "Library/Application Support/Claude/claude_desktop_config.json",
    "windows": "AppData/Roaming/Claude/claude_desktop_config.json",
}
MANAGED_SETTINGS = {
    "linux": "etc/claude-code/managed-settings.json",
    "macos": "Library/Application Support/ClaudeCode/managed-settings.json",
    "windows": "Program Files/ClaudeCode/managed-settings.json",
}
STATE_DIR = {
    "linux": ".local/state/cbcfg",
    "macos": "Library/Application Support/cbcfg",
    "windows": "AppData/Local/cbcfg",
}
HOLDS_KEY = {"code", "code-local", "desktop", "code-mcp", "managed"}


def target_paths(scratch: Scratch, platform: str = "linux") -> dict[str, Path]:
    return {
        "code": scratch.home / ".claude" / "settings.json",
        "code-project": scratch.project / ".claude" / "settings.json",
        "code-local": scratch.project / ".claude" / "settings.local.json",
        "desktop": scratch.home / DESKTOP_CONFIG[platform],
        "code-mcp": scratch.home / ".claude.json",
        "project-mcp": scratch.project / ".mcp.json",
        "managed": scratch.system_root / MANAGED_SETTINGS[platform],
    }


def expected_document(target: str, profile: str, written: Mapping[str, Any], form: str = "bridge") -> dict[str, Any]:
    """The whole document cbcfg creates for ``target`` (the file did not exist), with KEY."""
    mcp_url = gateway_of(profile) + "/mcp"
    if target in ("code", "code-local", "managed"):
        return {"env": expected_env(profile, written.get("env", {}))}
    if target == "code-project":
        return {"env": expected_env(profile, written.get("env", {}), with_key=False)}
    if target == "desktop" and form == "url":
        entry: dict[str, Any] = {"url": mcp_url, "headers": {"Authorization": f"Bearer {KEY}"}}
    elif target == "desktop":
        entry = {
            "command": "npx",
            "args": ["-y", "mcp-remote@0.15", mcp_url, "--header", "Authorization:${AUTH_HEADER}"],
            "env": {"AUTH_HEADER": f"Bearer {KEY}"},
        }
    elif target == "code-mcp":
        entry = {"type": "http", "url": mcp_url, "headers": {"Authorization": f"Bearer {KEY}"}}
    else:
        entry = {"type": "http", "url": mcp_url, "headers": {"Authorization": "Bearer ${BIFROST_VIRTUAL_KEY}"}}
    return {"mcpServers": {"bifrost": entry}}
