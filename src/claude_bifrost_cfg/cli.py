"""The ``cbcfg`` command: wires each command module to its name. Nothing heavy is imported here."""

from __future__ import annotations

from typing import Annotated

import typer

from . import __version__
from .commands import apply, diff, doctor, explain, export, profiles, rollback, show, status
from .commands.plain_options import PlainOptionsGroup

app = typer.Typer(
    name="cbcfg",
    help="Put Claude Code and Claude Desktop behind the Bifrost AI gateway: profiles in, safe merges out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=PlainOptionsGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cbcfg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """cbcfg: profile -> desired state -> current files -> plan (diff) -> atomic write, with backups."""


app.command("profiles")(profiles.profiles)
app.command("show")(show.show)
app.command("diff")(diff.diff)
app.command("apply")(apply.apply)
app.command("status")(status.status)
app.command("rollback")(rollback.rollback)
app.command("explain")(explain.explain)
app.command("doctor")(doctor.doctor)
app.command("export")(export.export)


def main() -> None:
    """Run the CLI. Usage errors are printed here, redacted: click echoes the offending argument, and
    a key pasted as one (``cbcfg apply local sk-bf-…``) must not be printed back."""
    import io
    import os
    import sys

    from .output import clean, register_secret

    register_secret(os.environ.get("BIFROST_VIRTUAL_KEY"))
    # pydantic looks for plugins in every installed package's metadata when the first model is
    # built (15-20 ms); a CLI has no use for them.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.stderr.write("Aborted!\n")
        sys.exit(1)
    except Exception as exc:  # click's usage errors (typer vendors click: match them by shape)
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if show is None or not isinstance(exit_code, int):
            raise
        shown = io.StringIO()
        show(file=shown)
        sys.stderr.write(clean(shown.getvalue()))
        sys.exit(exit_code)
    exit_now(code if isinstance(code, int) else 0)


def exit_now(code: int) -> None:
    """Exit without tearing every loaded module down one by one, which costs a tenth of a command's
    run (a quarter of a second after doctor loaded the MCP SDK). Every file cbcfg writes is closed by
    now; only the standard streams need flushing, and if that fails, the normal exit reports it."""
    import os
    import sys

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        sys.exit(code)
    os._exit(code)
