"""Typer's option checks, without pydantic, for the plain option types cbcfg's commands use.

Typer (0.26 and later) checks every option's value with a pydantic TypeAdapter that it builds when
the option is first used: for ``apply``, a dozen adapters plus pydantic's validator machinery, a
third of a dry run's time. For an option typed ``bool``, ``str``, ``float``, ``pathlib.Path`` or ``list[str]``
with no parser, that check is a plain conversion, done here (typer's own checks still run for
paths). Any other option, any unexpected value, and a typer whose internals differ go through
typer's own code unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer.core

_SLOW = object()  # "not a plain case: let typer do it"


class PlainOptionsGroup(typer.core.TyperGroup):
    """The root group: prepares its own plain options and those of the one command about to run."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for param in self.get_params(ctx):  # with the help option, a flag too
            use_plain_checks(param)
        rest: list[str] = super().parse_args(ctx, args)
        return rest

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            # Its help option is made (once) with its context's names: this context's, unless it has its own.
            own_names = "help_option_names" in (command.context_settings or {})
            for param in command.params if own_names else command.get_params(ctx):
                use_plain_checks(param)
        return name, command, rest


def use_plain_checks(param: Any) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", _SLOW) is not None:
        return  # not a typer parameter as this module knows it, or already prepared
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or getattr(info, "parser", True) is not None:
        return
    annotation = descriptor.annotation
    convert: Callable[[Any, Any, Any], Any]
    if annotation is bool:
        convert = _flag
    elif annotation is str:
        convert = _text
    elif annotation == list[str]:
        convert = _texts
    elif annotation is Path and getattr(info, "path_type", None) is None:
        convert = _path
    elif annotation is float and [getattr(info, name, 0) for name in ("min", "max", "clamp")] == [None, None, False]:
        convert = _decimal
    else:
        return
    param._runtime_param = _PlainCheck(convert)


class _PlainCheck:
    """What typer's RuntimeParam does for these types: None stays None (or () for lists)."""

    def __init__(self, convert: Callable[[Any, Any, Any], Any]) -> None:
        self.convert = convert

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:
            return () if param.multiple or param.nargs == -1 else None
        converted = self.convert(value, param, ctx)
        if converted is _SLOW:
            from typer._coercion import build_runtime_param

            return build_runtime_param(param.type_descriptor).coerce(value, param=param, ctx=ctx)
        return converted


def _flag(value: Any, param: Any, ctx: Any) -> Any:
    return value if type(value) is bool else _SLOW


def _text(value: Any, param: Any, ctx: Any) -> Any:
    return value if type(value) is str and not (param.multiple or param.nargs == -1) else _SLOW


def _texts(value: Any, param: Any, ctx: Any) -> Any:
    if isinstance(value, list | tuple) and all(type(item) is str for item in value):
        return list(value)
    return _SLOW


_DECIMAL = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?")


def _decimal(value: Any, param: Any, ctx: Any) -> Any:
    """A plain decimal such as "1" or "2.5": pydantic and float() parse it to the same number."""
    if type(value) is str and _DECIMAL.fullmatch(value) and not (param.multiple or param.nargs == -1):
        return float(value)
    return _SLOW


def _path(value: Any, param: Any, ctx: Any) -> Any:
    if type(value) is not str or param.multiple or param.nargs == -1:
        return _SLOW
    from typer._param_types import coerce_cli_path

    # What typer does after pydantic turned the text into a Path: its exists/readable checks.
    return coerce_cli_path(Path(value), param.type_descriptor.parameter_info, path_type=Path, param=param, ctx=ctx)
