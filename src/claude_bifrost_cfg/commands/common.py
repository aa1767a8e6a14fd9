"""Options every command shares, and the one place errors become a line and an exit code.

Only typer and the standard library are imported here: ``cbcfg --help`` must start fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from ..layout import Layout
    from ..profiles import ProfileSource

F = TypeVar("F", bound=Callable[..., Any])

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        envvar="CBCFG_HOME",
        help="Use DIR as the home directory for every user-scope file.",
        metavar="DIR",
        show_envvar=True,
    ),
]
ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project", help="The project for code-project, code-local and project-mcp [default: cwd].", metavar="DIR"
    ),
]
SystemRootOption = Annotated[
    Path | None,
    typer.Option("--system-root", help="Prefix for managed-settings paths (tests, image builds).", metavar="DIR"),
]
PlatformOption = Annotated[
    str | None,
    typer.Option("--platform", help="Lay files out as on linux, macos or windows [default: this machine]."),
]
ProfilesDirOption = Annotated[
    Path | None,
    typer.Option("--profiles-dir", help="Look for profiles here first.", metavar="DIR"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (shape in the README).")]
TargetOption = Annotated[
    list[str] | None,
    typer.Option("--target", "-t", help="Only this target (repeatable); see 'cbcfg show'.", metavar="NAME"),
]
GatewayOption = Annotated[
    str | None,
    typer.Option(
        "--gateway-url", help="The gateway's root URL; overrides the profile (env BIFROST_URL).", metavar="URL"
    ),
]
KeyStdinOption = Annotated[
    bool, typer.Option("--key-stdin", help="Read the virtual key from standard input (else BIFROST_VIRTUAL_KEY).")
]
DesktopMcpOption = Annotated[
    str, typer.Option("--desktop-mcp", help="Desktop MCP entry form: url (the seed's) or bridge (stdio mcp-remote).")
]
InsecureOption = Annotated[
    bool, typer.Option("--allow-insecure", help="Allow a plain http:// gateway on another machine.")
]


def build_layout(home: Path | None, project: Path | None, system_root: Path | None, platform: str | None) -> Layout:
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
    from ..profiles import profile_sources

    return profile_sources(profiles_dir.absolute() if profiles_dir else None, layout.user_profiles_dir)


def read_key(key_stdin: bool) -> str | None:
    from ..inputs import KEY_ENV
    from ..output import register_secret

    key = sys.stdin.readline().strip() if key_stdin else os.environ.get(KEY_ENV) or None
    register_secret(key)
    return key


def reports_errors(command: F) -> F:
    """Turn cbcfg's errors into one line on stderr and a documented exit code; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..errors import CbcfgError, ExitCode
        from ..output import error, register_secret

        # Before anything can fail: an error may quote what the user typed, and that may be the key.
        register_secret(os.environ.get("BIFROST_VIRTUAL_KEY"))
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except CbcfgError as exc:
            error(exc.line())
            raise typer.Exit(int(exc.code)) from None
        except KeyboardInterrupt:
            error("interrupted; nothing half-written (writes are atomic)")
            raise typer.Exit(130) from None
        except Exception as exc:  # a bug: one line, traceback only on request
            if os.environ.get("CBCFG_DEBUG"):
                raise
            error(f"internal error: {type(exc).__name__}: {exc} (set CBCFG_DEBUG=1 for a traceback; please report it)")
            raise typer.Exit(int(ExitCode.INTERNAL)) from None

    return wrapper  # type: ignore[return-value]
