"""The installed libraries are inside the ranges pyproject.toml declares, and every runtime
dependency whose behaviour cbcfg relies on has an upper bound (the next major version)."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
UNBOUNDED = {"certifi"}  # a CA bundle with calendar versions: no API to break


def declared(group: str | None = None) -> list[Requirement]:
    project = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]
    lines = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_the_installed_version_is_in_the_declared_range(requirement: Requirement) -> None:
    installed = version(requirement.name)
    assert requirement.specifier.contains(installed, prereleases=True), f"{requirement.name} {installed}"


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_every_runtime_dependency_has_an_upper_bound(requirement: Requirement) -> None:
    if requirement.name in UNBOUNDED:
        return
    assert any(spec.operator == "<" for spec in requirement.specifier), f"{requirement} has no upper bound"


def test_typer_is_no_runtime_dependency() -> None:
    """click is used directly; typer stays only as the start-up benchmark's baseline."""
    assert "typer" not in {r.name for r in declared()}
    assert "click" in {r.name for r in declared()}
    assert "typer" in {r.name for r in declared("test")}
