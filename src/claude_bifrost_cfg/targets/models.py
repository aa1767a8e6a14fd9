"""Pydantic models of what cbcfg writes, checked in the merged document before anything is written."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ..desired import Fragment
from ..jsondoc import get_at, pointer_to_path


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class SettingsEnv(BaseModel):
    model_config = ConfigDict(strict=True)
    env: dict[str, str]


class McpHttpServer(_Model):
    type: Literal["http"]
    url: str
    headers: dict[str, str] = {}


class McpUrlServer(_Model):
    """The seed's Claude Desktop form: url + headers, no type."""

    url: str
    headers: dict[str, str] = {}


class McpStdioServer(_Model):
    command: str
    args: list[str] = []
    env: dict[str, str] = {}


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = "/".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}"


def check_settings(document: dict[str, Any], fragment: Fragment) -> list[str]:
    """``env`` must be an object of strings (Claude Code ignores the whole block otherwise)."""
    if not any(pointer.startswith("/env/") for pointer in fragment.wanted):
        return []
    try:
        SettingsEnv.model_validate({"env": document.get("env", {})})
    except ValidationError as exc:
        return ["/" + _first_error(exc)]
    return []


def check_mcp_entry(model: type[BaseModel]) -> Any:
    def check(document: dict[str, Any], fragment: Fragment) -> list[str]:
        problems = []
        for pointer in fragment.wanted:
            if pointer_to_path(pointer)[:1] != ("mcpServers",):
                continue
            found, entry = get_at(document, pointer)
            if not found:
                continue
            try:
                model.model_validate(entry)
            except ValidationError as exc:
                problems.append(f"{pointer}/{_first_error(exc)}")
        return problems

    return check
