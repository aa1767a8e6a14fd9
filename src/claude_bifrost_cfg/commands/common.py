"""The options commands share, each declared once, and how a command receives them.

Only click and the standard library are imported here: ``cbcfg --help`` must start fast.

- ``ROOT_OPTIONS`` (``--home``, ``--project``, ``--system-root``, ``--platform``, ``--profiles-dir``,
  ``--json``) are accepted by the root group and by every command, so they may come before or after
  the command's name; ``@root_options`` hands the command one ``RootOptions`` (after wins).
- ``PROFILE_OPTIONS`` (the profile argument, ``--target``, ``--gateway-url``, ``--key-stdin``,
  ``--desktop-mcp``, ``--allow-insecure``) are what apply, diff and show share; ``@profile_options``
  hands the command one ``ProfileOptions``.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

if TYPE_CHECKING:
    from ..layout import Layout
    from ..profiles import ProfileSource
    from ..workflow import Request

F = TypeVar("F", bound=Callable[..., Any])

_DIR = click.Path(path_type=Path)

# name -> (flags, click.Option arguments). Each becomes a fresh click.Option per command.
ROOT_OPTIONS: Mapping[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "home": (
        ("--home",),
        {
            "type": _DIR,
            "metavar": "DIR",
            "envvar": "CBCFG_HOME",
            "show_envvar": True,
            "help": "Use DIR as the home directory for every user-scope file.",
        },
    ),
    "project": (
        ("--project",),
        {
            "type": _DIR,
            "metavar": "DIR",
            "help": "The project for code-project, code-local and project-mcp [default: the current folder].",
        },
    ),
    "system_root": (
        ("--system-root",),
        {"type": _DIR, "metavar": "DIR", "help": "Prefix for managed-settings paths (tests, image builds)."},
    ),
    "platform": (
        ("--platform",),
        {"metavar": "linux|macos|windows", "help": "Lay files out as on that platform [default: this machine]."},
    ),
    "profiles_dir": (
        ("--profiles-dir",),
        {"type": _DIR, "metavar": "DIR", "help": "Look for profiles here first."},
    ),
    "json_output": (("--json", "json_output"), {"is_flag": True, "help": "Print JSON (shape in the README)."}),
}

PROFILE_OPTIONS: Mapping[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "target": (
        ("--target", "-t"),
        {
            "multiple": True,
            "metavar": "NAME",
            "shell_complete": lambda ctx, param, incomplete: _complete("target_names", ctx, param, incomplete),
            "help": "Only this target (repeatable) [default: the profile's targets].",
        },
    ),
    "gateway_url": (
        ("--gateway-url",),
        {"metavar": "URL", "help": "The gateway's root URL; overrides the profile (env BIFROST_URL)."},
    ),
    "key_stdin": (
        ("--key-stdin",),
        {"is_flag": True, "help": "Read the virtual key from standard input (else BIFROST_VIRTUAL_KEY)."},
    ),
    "desktop_mcp": (
        ("--desktop-mcp",),
        {
            "default": "bridge",
            "show_default": True,
            "metavar": "bridge|url",
            "help": "Desktop MCP entry form: bridge (stdio mcp-remote, what current builds load) or url (the seed's).",
        },
    ),
    "allow_insecure": (
        ("--allow-insecure",),
        {"is_flag": True, "help": "Allow a plain http:// gateway on another machine."},
    ),
    "key_mode": (
        ("--key-mode",),
        {
            "metavar": "key|helper|header|login",
            "help": "How Claude Code gets the key: env variable, key-store helper, x-bf-vk header, or "
            "gateway sign-in [default: the profile's, else key] (README: Key modes).",
        },
    ),
}


def declared(table: Mapping[str, tuple[tuple[str, ...], dict[str, Any]]], *names: str) -> list[click.Option]:
    """Fresh click options for ``names`` (all of the table's by default), in the table's order."""
    return [
        click.Option(list(flags), **dict(kwargs)) for name, (flags, kwargs) in table.items() if name in (names or table)
    ]


@dataclass(frozen=True)
class RootOptions:
    home: Path | None = None
    project: Path | None = None
    system_root: Path | None = None
    platform: str | None = None
    profiles_dir: Path | None = None
    json_output: bool = False

    def layout(self) -> Layout:
        return build_layout(self.home, self.project, self.system_root, self.platform)


@dataclass(frozen=True)
class ProfileOptions:
    profile: str
    targets: tuple[str, ...] = ()
    gateway_url: str | None = None
    key_stdin: bool = False
    desktop_mcp: str = "bridge"
    allow_insecure: bool = False
    key_mode: str | None = None

    def request(
        self, roots: RootOptions, *, need_key: bool = True, allow_placeholder: bool = False, remove_key: bool = False
    ) -> Request:
        """The workflow's request for these options (the key read from stdin or the environment)."""
        from ..workflow import build_request

        layout = roots.layout()
        return build_request(
            self.profile,
            layout,
            sources(layout, roots.profiles_dir),
            key=read_key(self.key_stdin),
            targets=self.targets,
            gateway_url=self.gateway_url,
            desktop_mcp=self.desktop_mcp,
            allow_insecure=self.allow_insecure,
            need_key=need_key,
            allow_placeholder=allow_placeholder,
            remove_key=remove_key,
            key_mode=self.key_mode,
        )


def merged_root_options(ctx: click.Context, given: dict[str, Any]) -> RootOptions:
    """The command's root options, completed from the root group's: given after the command wins,
    then given before it, then the environment or the default (as the command parsed it)."""
    values = {}
    for name in ROOT_OPTIONS:
        value = given.pop(name)
        parent = ctx.parent
        if (
            ctx.get_parameter_source(name) is not ParameterSource.COMMANDLINE
            and parent is not None
            and parent.get_parameter_source(name) is ParameterSource.COMMANDLINE
        ):
            value = parent.params[name]
        values[name] = value
    return RootOptions(**values)


def root_options(command: F) -> F:
    """Add the root options to a command function, which receives them as ``roots: RootOptions``."""

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        roots = merged_root_options(click.get_current_context(), kwargs)
        return command(roots=roots, **kwargs)

    return _with_params(wrapper, declared(ROOT_OPTIONS))  # type: ignore[no-any-return]


def profile_options(command: F) -> F:
    """Add PROFILE and the profile options to a command function: it receives ``chosen: ProfileOptions``."""

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        chosen = ProfileOptions(
            profile=kwargs.pop("profile"),
            **{"targets" if name == "target" else name: kwargs.pop(name) for name in PROFILE_OPTIONS},
        )
        return command(chosen=chosen, **kwargs)

    argument = click.Argument(
        ["profile"],
        metavar="PROFILE",
        shell_complete=lambda ctx, param, incomplete: _complete("profile_names", ctx, param, incomplete),
    )
    return _with_params(wrapper, [argument, *declared(PROFILE_OPTIONS)])  # type: ignore[no-any-return]


def some_profile_options(*names: str) -> Callable[[F], F]:
    """Some of the profile options (doctor's --gateway-url, --key-stdin), as plain keyword arguments."""

    def decorate(command: F) -> F:
        return _with_params(command, declared(PROFILE_OPTIONS, *names))  # type: ignore[no-any-return]

    return decorate


def _complete(what: str, ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    """A TAB's candidates, from the completion module (loaded only when a shell asks)."""
    from .. import completion

    return getattr(completion, f"complete_{what}")(ctx, param, incomplete)


def _with_params(function: Callable[..., Any], params: Sequence[click.Parameter]) -> Any:
    # click.command() reads the parameters a function's decorators attached (click.option does the same).
    attached: list[click.Parameter] = getattr(function, "__click_params__", [])
    function.__click_params__ = attached + list(reversed(params))  # type: ignore[attr-defined]
    return function


def confirm(question: str) -> bool:
    """Ask on stderr (stdout may be a pipe); "no" unless the user answers yes."""
    return click.confirm(question, default=False, err=True)


def build_layout(
    home: Path | None = None, project: Path | None = None, system_root: Path | None = None, platform: str | None = None
) -> Layout:
    """Where every file is: this user's home and the current folder unless given. Light on purpose
    (layout and errors only): explain and profiles need a layout and nothing of the workflow."""
    from ..errors import UsageError
    from ..layout import Platform, Roots, resolve_layout

    try:
        chosen = Platform(platform) if platform else Platform.host()
    except ValueError:
        raise UsageError(f"unknown platform {platform!r}", "use linux, macos or windows") from None
    roots = Roots(
        platform=chosen,
        home=(home or Path.home()).absolute(),
        project=(project or Path.cwd()).absolute(),
        system_root=system_root.absolute() if system_root else None,
        home_overridden=home is not None,
    )
    return resolve_layout(roots, os.environ)


def sources(layout: Layout, profiles_dir: Path | None) -> list[ProfileSource]:
    """Where profiles are looked for: ``profiles_dir`` first, then the user's folder, then the bundled ones."""
    from ..profiles import profile_sources

    return profile_sources(profiles_dir.absolute() if profiles_dir else None, layout.user_profiles_dir)


def read_key(key_stdin: bool) -> str | None:
    """The virtual key: from standard input with --key-stdin, else BIFROST_VIRTUAL_KEY; never an argument."""
    from ..output import register_secret
    from ..vocabulary import VIRTUAL_KEY_ENV as KEY_ENV

    key = sys.stdin.readline().strip() if key_stdin else os.environ.get(KEY_ENV) or None
    register_secret(key)
    return key
