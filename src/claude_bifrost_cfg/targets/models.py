"""Pydantic models of what cbcfg writes, checked in the merged document before anything is written.

Each model is declared as a `Shape` (its fields and their kinds) and checked first in plain Python,
with exactly the strict model's rules; the pydantic model is built, once, only when that check finds
a problem, and its verdict and words are the ones reported. A valid file never pays for building
the models (some 20-35 ms of every apply).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..desired import Fragment
from ..jsondoc import get_at, pointer_to_path
from ..strict_tables import first_error

if TYPE_CHECKING:
    from pydantic import BaseModel

Kind = Literal["str", "http", "str-map", "str-list"]


def _is_str_map(value: Any) -> bool:
    return type(value) is dict and all(type(k) is str and type(v) is str for k, v in value.items())


_ACCEPTS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: type(v) is str,
    "http": lambda v: type(v) is str and v == "http",
    "str-map": _is_str_map,
    "str-list": lambda v: type(v) is list and all(type(item) is str for item in v),
}


@dataclass(frozen=True)
class Shape:
    """A strict model: required and optional fields (optional ones default to empty), extra
    members allowed or ignored."""

    name: str
    required: tuple[tuple[str, Kind], ...]
    optional: tuple[tuple[str, Kind], ...] = ()
    extra_allowed: bool = True
    doc: str = ""
    _built: list[type[BaseModel]] = field(default_factory=list, compare=False, repr=False)

    def accepts(self, value: Any) -> bool:
        """What the strict model accepts (a mapping whose fields have their kinds)."""
        if type(value) is not dict:
            return False
        for name, kind in self.required:
            if name not in value or not _ACCEPTS[kind](value[name]):
                return False
        return all(name not in value or _ACCEPTS[kind](value[name]) for name, kind in self.optional)

    def model(self) -> type[BaseModel]:
        """The pydantic model, built on first use."""
        if not self._built:
            from pydantic import ConfigDict, create_model

            types: dict[str, Any] = {"str": str, "http": Literal["http"], "str-map": dict[str, str]}
            types["str-list"] = list[str]
            empty: dict[str, Any] = {"str-map": {}, "str-list": []}
            fields: dict[str, Any] = {name: (types[kind], ...) for name, kind in self.required}
            fields |= {name: (types[kind], empty[kind]) for name, kind in self.optional}
            config = ConfigDict(extra="allow" if self.extra_allowed else "ignore", strict=True)
            self._built.append(create_model(self.name, __config__=config, __doc__=self.doc or None, **fields))
        return self._built[0]

    def problem(self, value: Any) -> str | None:
        """None when valid; else the model's first error, as `where: what`."""
        if self.accepts(value):
            return None
        from pydantic import ValidationError

        try:
            self.model().model_validate(value)
        except ValidationError as exc:
            return first_error(exc)
        return None  # the model is the judge: the plain check was stricter than it


SettingsEnv = Shape("SettingsEnv", (("env", "str-map"),), extra_allowed=False)
McpHttpServer = Shape("McpHttpServer", (("type", "http"), ("url", "str")), (("headers", "str-map"),))
McpUrlServer = Shape(
    "McpUrlServer", (("url", "str"),), (("headers", "str-map"),), doc="The seed's Claude Desktop form: url + headers."
)
McpStdioServer = Shape("McpStdioServer", (("command", "str"),), (("args", "str-list"), ("env", "str-map")))


def check_settings(document: dict[str, Any], fragment: Fragment) -> list[str]:
    """``env`` must be an object of strings (Claude Code ignores the whole block otherwise)."""
    if not any(pointer.startswith("/env/") for pointer in fragment.wanted):
        return []
    problem = SettingsEnv.problem({"env": document.get("env", {})})
    return [] if problem is None else ["/" + problem]


def check_mcp_entry(model: Shape) -> Any:
    def check(document: dict[str, Any], fragment: Fragment) -> list[str]:
        problems = []
        for pointer in fragment.wanted:
            if pointer_to_path(pointer)[:1] != ("mcpServers",):
                continue
            found, entry = get_at(document, pointer)
            if not found:
                continue
            if (problem := model.problem(entry)) is not None:
                problems.append(f"{pointer}/{problem}")
        return problems

    return check
