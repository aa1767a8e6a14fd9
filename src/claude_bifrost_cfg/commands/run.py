"""``cbcfg run PROFILE [-- ARGS…]``: start Claude Code with a profile in effect for that one process."""

from __future__ import annotations

import os

import click

from ..completion import complete_profile_names
from .common import RootOptions, read_key, root_options, some_profile_options, sources


@click.command()
@click.argument("profile", metavar="PROFILE", shell_complete=complete_profile_names)
@click.argument("args", nargs=-1, metavar="[ARGS]")
@click.option(
    "--command", "command", metavar="CMD", help="The program to start [default: claude, from the search path]."
)
@some_profile_options("gateway_url", "key_stdin", "allow_insecure")
@root_options
def run(
    roots: RootOptions,
    profile: str,
    args: tuple[str, ...],
    command: str | None,
    gateway_url: str | None,
    key_stdin: bool,
    allow_insecure: bool,
) -> None:
    """Start Claude Code with PROFILE in effect for that one process; nothing global is written.

    The profile's settings go in a temporary 0600 file (--settings FILE), removed when the client
    ends; ARGS after '--' go to the client. The exit status is the client's.
    """
    from ..launch import launch
    from ..output import warning
    from ..vocabulary import VIRTUAL_KEY_ENV
    from ..workflow import build_request

    layout = roots.layout()
    request = build_request(
        profile,
        layout,
        sources(layout, roots.profiles_dir),
        key=read_key(key_stdin),
        targets=("code",),  # only to look the key in place up; nothing is written
        gateway_url=gateway_url,
        allow_insecure=allow_insecure,
    )
    for message in request.inputs.warnings:
        warning(message)
    if request.source.key is None:
        warning(
            f"no virtual key given (set {VIRTUAL_KEY_ENV} or use --key-stdin): "
            "the client sends whatever key its own settings hold"
        )
    raise click.exceptions.Exit(launch(request.source, command, args, os.environ))
