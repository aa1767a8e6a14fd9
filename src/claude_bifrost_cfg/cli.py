"""The ``cbcfg`` command: the root options, the table of commands, and the one place errors become a
line and an exit code. Nothing heavy is imported here.

Commands load lazily, the way click documents it ("lazily loading subcommands"): ``COMMANDS`` maps
each name to ``"module:attribute"`` and the group imports a command's module only when that command
runs (or shows its help). The one-line summary ``cbcfg --help`` lists sits in the same table, so the
list needs no command module at all.
"""

from __future__ import annotations

import importlib
import io
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import click

from . import __version__
from .commands.common import ROOT_OPTIONS, declared

# name -> (where the click command is, its one-line summary), in the order --help lists them.
COMMANDS: Mapping[str, tuple[str, str]] = {
    "profiles": ("claude_bifrost_cfg.commands.profiles:profiles", "List the profiles and where each comes from."),
    "show": ("claude_bifrost_cfg.commands.show:show", "Show what a profile would put in each file (keys masked)."),
    "diff": ("claude_bifrost_cfg.commands.diff:diff", "Show what 'apply' would change, file by file."),
    "apply": ("claude_bifrost_cfg.commands.apply:apply", "Apply a profile: merge it into its files, after a diff."),
    "status": ("claude_bifrost_cfg.commands.status:status", "Per file: which profile cbcfg applied, and drift."),
    "rollback": ("claude_bifrost_cfg.commands.rollback:rollback", "Restore a backup set (the newest by default)."),
    "remove": ("claude_bifrost_cfg.commands.remove:remove", "Take out every key cbcfg set (undo: rollback)."),
    "run": ("claude_bifrost_cfg.commands.run:run", "Start Claude Code with a profile, for that one process."),
    "explain": ("claude_bifrost_cfg.commands.explain:explain", "Which value of each setting wins, from which layer."),
    "doctor": ("claude_bifrost_cfg.commands.doctor:doctor", "Prove that Claude will reach Bifrost."),
    "export": ("claude_bifrost_cfg.commands.export:export", "A profile's managed settings for MDM (Jamf, Intune)."),
    "profile": ("claude_bifrost_cfg.commands.profile:profile", "Write your profiles: new, set, unset, edit, rm."),
    "import": (
        "claude_bifrost_cfg.commands.import_profile:import_",
        "Turn the Bifrost setup in effect now into a profile.",
    ),
    "models": ("claude_bifrost_cfg.commands.models:models", "The models the key may use, from the gateway."),
    "completion": ("claude_bifrost_cfg.commands.completion:completion", "Print a shell's completion script."),
    "key": ("claude_bifrost_cfg.commands.key:key", "The virtual key where the key mode keeps it: set, status, rm."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use (click's documented lazy-loading pattern)."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy_commands, *sorted(set(super().list_commands(ctx)) - set(self.lazy_commands))]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = self.lazy_commands[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}:{attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table's summaries, whole: no command module is imported."""
        rows = [(name, summary) for name, (_, summary) in self.lazy_commands.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[Any]:
        """A TAB after ``cbcfg``: the command names and summaries from the table (no command module
        imported), then the root options."""
        from click.shell_completion import CompletionItem

        names = [
            CompletionItem(name, help=summary)
            for name, (_, summary) in self.lazy_commands.items()
            if name.startswith(incomplete)
        ]
        return [*names, *click.Command.shell_complete(self, ctx, incomplete)]

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; cbcfg's errors become one line on stderr and a documented exit code."""
        from .output import error, register_secret

        # Before anything can fail: an error may quote what the user typed, and that may be the key.
        register_secret(os.environ.get("BIFROST_VIRTUAL_KEY"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except Exception as exc:
            from .errors import CbcfgError, ExitCode

            if isinstance(exc, CbcfgError):
                error(exc.line())
                raise click.exceptions.Exit(int(exc.code)) from None
            if os.environ.get("CBCFG_DEBUG"):
                raise
            error(f"internal error: {type(exc).__name__}: {exc} (set CBCFG_DEBUG=1 for a traceback; please report it)")
            raise click.exceptions.Exit(int(ExitCode.INTERNAL)) from None
        except KeyboardInterrupt:
            error("interrupted; nothing half-written (writes are atomic)")
            raise click.exceptions.Exit(130) from None

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """click's main, with usage errors printed redacted: click quotes the offending argument, and a
        key pasted as one (``cbcfg apply local sk-bf-…``) must not be printed back."""
        from .output import clean

        if os.environ.get("_CBCFG_COMPLETE"):  # a TAB in the shell: PowerShell's side of the protocol too
            from . import completion  # noqa: F401

        try:
            result = super().main(args, prog_name or "cbcfg", complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except click.ClickException as exc:
            shown = io.StringIO()
            exc.show(file=shown)
            sys.stderr.write(clean(shown.getvalue()))
            code = exc.exit_code
        except click.Abort:
            sys.stderr.write("Aborted!\n")
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"cbcfg {__version__}")
        ctx.exit()


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    invoke_without_command=True,
    context_settings={"help_option_names": ["--help", "-h"]},
    epilog="Root options may come before or after the command: cbcfg --home DIR status, cbcfg status --home DIR.",
)
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_version, help="Print the version and exit."
)
@click.pass_context
def app(ctx: click.Context, /, **roots: Any) -> None:
    """Put Claude Code and Claude Desktop behind the Bifrost AI gateway: profiles in, safe merges out.

    profile -> desired state -> current files -> plan (diff) -> atomic write, with backups.
    """
    if ctx.invoked_subcommand is None:  # plain ``cbcfg``: the help, and success
        click.echo(ctx.get_help())
        ctx.exit(0)


app.params.extend(declared(ROOT_OPTIONS))


def main() -> NoReturn:
    """Run the CLI as the ``cbcfg`` command."""
    from .output import end_output_quietly_on_closed_pipe, register_secret, stdout_closed

    end_output_quietly_on_closed_pipe()
    register_secret(os.environ.get("BIFROST_VIRTUAL_KEY"))
    # pydantic looks for plugins in every installed package's metadata when the first model is
    # built (15-20 ms); a CLI has no use for them.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        code = app.main(prog_name="cbcfg", standalone_mode=False)
    except BrokenPipeError:  # the reader went away (``| head -1``): what was to be done is done
        stdout_closed()
        code = 0
    exit_now(code)


def exit_now(code: int) -> NoReturn:
    """Exit without tearing every loaded module down one by one, which costs a tenth of a command's
    run. Every file cbcfg writes is closed by
    now; only the standard streams need flushing. A reader that went away takes what it read: the
    rest of the output is dropped quietly, like any Unix tool's."""
    from .output import stdout_closed

    try:
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_closed()
    try:
        sys.stderr.flush()
    except Exception:
        sys.exit(code)
    os._exit(code)
