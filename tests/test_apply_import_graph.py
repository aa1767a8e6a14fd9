"""apply and its dry run judge the profile (and Desktop's gateway file) with pydantic's engine,
pydantic-core, without pydantic's model machinery, and load none of what a plain run does not use
(rich, tomlkit, importlib.metadata, jsonschema for a valid file). An import-graph check, not a
timing: the figures are benchmarks/run.py's cases 2 and 5."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_import_graph import loaded_modules, scratch_env

KEY = "sk-bf-import-graph-key-000000001"
# pydantic itself (BaseModel, fields, the schema generator, the plugin loader with
# importlib.metadata) cost some 80-100 ms of every apply; pydantic_core is allowed.
NOT_LOADED = ("pydantic", "rich", "tomlkit", "jsonschema", "httpx", "mcp", "importlib.metadata", "zipfile")


def unneeded(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in NOT_LOADED))


@pytest.mark.parametrize(
    "argv",
    [
        ["apply", "local", "--dry-run"],
        ["apply", "local", "--yes"],
        ["apply", "local", "-t", "code", "-t", "desktop-gateway", "--dry-run"],
    ],
    ids=["dry-run", "yes", "desktop-gateway"],
)
def test_apply_validates_with_pydantic_core_alone(tmp_path: Path, argv: list[str]) -> None:
    env = {**scratch_env(tmp_path), "BIFROST_VIRTUAL_KEY": KEY}
    modules = loaded_modules([*argv, "--home", str(tmp_path)], env)
    assert "claude_bifrost_cfg.profiles" in modules and "pydantic_core" in modules
    assert unneeded(modules) == []


def test_a_no_change_apply_loads_no_more(tmp_path: Path) -> None:
    env = {**scratch_env(tmp_path), "BIFROST_VIRTUAL_KEY": KEY}
    loaded_modules(["apply", "local", "--yes", "--home", str(tmp_path)], env)  # the first run writes
    modules = loaded_modules(["apply", "local", "--yes", "--home", str(tmp_path)], env)
    assert unneeded(modules) == []
    assert "claude_bifrost_cfg.keystore" not in modules and "claude_bifrost_cfg.git_ignore" not in modules
