"""Fast start: the CLI's entry module, ``--help`` and ``--version`` load none of the heavy libraries.

pydantic, tomlkit, rich, jsonschema, httpx and the MCP SDK are imported inside the commands that use
them. This checks the import graph (which modules the process loaded), not a timing; the timings
are in benchmarks/run.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pydantic", "pydantic_core", "tomlkit", "rich", "jsonschema", "httpx", "httpx2", "mcp", "mcp_types")


def scratch_env(home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BIFROST_", "XDG_", "CBCFG_", "CLAUDE_", "PYTHONPROFILEIMPORTTIME"))
    }
    env["HOME"] = str(home)
    env["USERPROFILE"] = str(home)
    return env


def imported_modules(argv: list[str], env: dict[str, str]) -> set[str]:
    """Every module the process imported, read from Python's own import log (-X importtime)."""
    done = subprocess.run(argv, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name and name != "imported package":
                modules.add(name)
    assert "claude_bifrost_cfg" in modules, "the import log did not show cbcfg's own modules"
    return modules


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def cbcfg_script() -> Path | None:
    script = Path(sys.executable).parent / ("cbcfg.exe" if os.name == "nt" else "cbcfg")
    return script if script.exists() else None


def test_importing_the_cli_module_loads_no_heavy_library(tmp_path: Path) -> None:
    modules = imported_modules([sys.executable, "-c", "import claude_bifrost_cfg.cli"], scratch_env(tmp_path))
    assert heavy_in(modules) == []


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_load_no_heavy_library(tmp_path: Path, flag: str) -> None:
    modules = imported_modules([sys.executable, "-m", "claude_bifrost_cfg", flag], scratch_env(tmp_path))
    assert heavy_in(modules) == []


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_the_installed_command_loads_no_heavy_library(tmp_path: Path, flag: str) -> None:
    script = cbcfg_script()
    if script is None:
        pytest.skip("no cbcfg console script beside this Python (package not installed)")
    modules = imported_modules([str(script), flag], scratch_env(tmp_path))
    assert heavy_in(modules) == []


def test_the_check_sees_a_heavy_import(tmp_path: Path) -> None:
    """The log parsing is not vacuous: a process that does import a heavy library is caught."""
    modules = imported_modules([sys.executable, "-c", "import claude_bifrost_cfg.cli, tomlkit"], scratch_env(tmp_path))
    assert "tomlkit" in heavy_in(modules)


LOADED = """
import json, sys
from claude_bifrost_cfg.cli import app
app.main(sys.argv[1:], standalone_mode=False)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(argv: list[str], env: dict[str, str]) -> set[str]:
    """Every module loaded after running ``cbcfg ARGV`` (sys.modules: the import log does not show
    modules loaded with importlib.import_module, which is how commands are loaded)."""
    done = subprocess.run([sys.executable, "-c", LOADED, *argv], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def command_modules(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith("claude_bifrost_cfg.commands.")}


@pytest.mark.parametrize("argv", [["--help"], ["--version"], []], ids=["--help", "--version", "no-arguments"])
def test_help_loads_no_command_module(tmp_path: Path, argv: list[str]) -> None:
    """Commands load lazily (cli.COMMANDS): the command list comes from the table, not the modules."""
    modules = loaded_modules(argv, scratch_env(tmp_path))
    assert heavy_in(modules) == []
    assert command_modules(modules) == {"claude_bifrost_cfg.commands.common"}
    assert "claude_bifrost_cfg.workflow" not in modules


def test_a_command_loads_only_its_own_module(tmp_path: Path) -> None:
    modules = loaded_modules(["status", "--help"], scratch_env(tmp_path))
    assert command_modules(modules) == {"claude_bifrost_cfg.commands.common", "claude_bifrost_cfg.commands.status"}


def test_doctor_loads_no_mcp_sdk(tmp_path: Path) -> None:
    """doctor's mcp check speaks MCP over httpx itself: the SDK's import took most of a second."""
    argv = ["doctor", "--gateway-url", "http://127.0.0.1:9", "--timeout", "1", "--home", str(tmp_path), "--json"]
    modules = loaded_modules(argv, scratch_env(tmp_path))  # nothing listens there: doctor reports it
    assert "claude_bifrost_cfg.checks.mcp_endpoint" in modules
    assert sorted(m for m in modules if m.split(".")[0] in ("mcp", "mcp_types", "httpx2")) == []


def test_doctor_runs_its_network_checks_without_asyncio(tmp_path: Path) -> None:
    """Threads over httpx's sync client: asyncio and anyio's backend cost more to import than the
    checks take to run."""
    argv = ["doctor", "--gateway-url", "http://127.0.0.1:9", "--timeout", "1", "--home", str(tmp_path), "--json"]
    modules = loaded_modules(argv, scratch_env(tmp_path))
    assert "claude_bifrost_cfg.checks.mcp_endpoint" in modules
    assert sorted(m for m in modules if m.split(".")[0] == "asyncio" or m.startswith("anyio._backends")) == []


def test_apply_loads_no_filelock(tmp_path: Path) -> None:
    """cbcfg's own lock takes the OS lock filelock takes, without filelock's import."""
    modules = loaded_modules(["apply", "local", "--yes", "-t", "code", "--home", str(tmp_path)], scratch_env(tmp_path))
    assert "claude_bifrost_cfg.transaction" in modules
    assert "filelock" not in modules
