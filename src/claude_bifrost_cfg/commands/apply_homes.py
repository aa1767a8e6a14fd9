"""``cbcfg apply PROFILE --homes-from FILE``: one profile into many homes, in one process.

Each home is its own transaction (``workflow.apply_to_homes``); the report is one JSON document with
each home's apply report. Exit 0 when every home succeeded, else the exit code of the first home
that did not (in the file's order; the same codes as one apply: 3, 5, 6, 7, and 10/11 with --check).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import BadFileError, ExitCode, RefusedError, UsageError
from ..layout import Layout
from ..output import Printer, emit_json, notice
from ..workflow import HomeOutcome, Request, apply_to_homes, read_homes
from .common import ProfileOptions, RootOptions, build_layout, read_key, sources


def apply_homes(
    chosen: ProfileOptions,
    roots: RootOptions,
    homes_from: Path,
    *,
    dry_run: bool,
    check: bool,
    yes: bool,
    force: bool,
    remove_key: bool,
) -> None:
    from ..workflow import build_request
    from .apply import apply_report

    if _home_given():  # on the command line; CBCFG_HOME is simply not used here
        raise UsageError("--home and --homes-from were both given", "list every home in the --homes-from file")
    try:
        text = homes_from.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadFileError(
            f"cannot read --homes-from {homes_from}: {exc}", "give a text file, one home a line"
        ) from None
    homes = read_homes(text, Path.cwd())
    if not homes:
        raise UsageError(f"--homes-from {homes_from} lists no home", "one home folder a line")
    write = not (dry_run or check)
    if write and not yes:
        raise RefusedError("applying to many homes is not confirmed home by home", "pass --yes (or --dry-run first)")
    key = read_key(chosen.key_stdin)  # once: the same new key for every home; else each keeps its own

    def build(layout: Layout) -> Request:
        return build_request(
            chosen.profile,
            layout,
            sources(layout, roots.profiles_dir),
            key=key,
            targets=chosen.targets,
            gateway_url=chosen.gateway_url,
            desktop_mcp=chosen.desktop_mcp,
            allow_insecure=chosen.allow_insecure,
            remove_key=remove_key,
        )

    layouts = [build_layout(home, roots.project, roots.system_root, roots.platform) for home in homes]
    outcomes = apply_to_homes(layouts, build, force, write=write, on_wait=notice)
    codes = [_exit_code(outcome, check) for outcome in outcomes]
    if roots.json_output:
        emit_json(
            {
                "command": "apply",
                "profile": chosen.profile,
                "dry_run": not write,
                "homes": [
                    {
                        "home": str(outcome.layout.home),
                        "exit_code": code,
                        "error": outcome.error.line() if outcome.error else None,
                        "report": apply_report(outcome.result, write) if outcome.result else None,
                    }
                    for outcome, code in zip(outcomes, codes, strict=True)
                ],
                "summary": {
                    "homes": len(outcomes),
                    "ok": codes.count(0),
                    "failed": len(codes) - codes.count(0),
                    "changed": sum(o.result.summary["changed"] for o in outcomes if o.result and o.result.applied),
                },
            }
        )
    else:
        printer, errors = Printer(sys.stdout), Printer(sys.stderr)
        for outcome in outcomes:  # a failed home as the one error line, on stderr, naming the home
            (errors if outcome.error else printer).line(*_line(outcome, write))
    failed = next((code for code in codes if code), 0)
    if failed:
        raise click.exceptions.Exit(failed)


def _home_given() -> bool:
    from click.core import ParameterSource

    ctx: click.Context | None = click.get_current_context()
    while ctx is not None:
        if "home" in ctx.params and ctx.get_parameter_source("home") is ParameterSource.COMMANDLINE:
            return True
        ctx = ctx.parent
    return False


def _exit_code(outcome: HomeOutcome, check: bool) -> int:
    if outcome.error is not None:
        return int(outcome.error.code)
    result = outcome.result
    assert result is not None
    if check and result.pending:
        return int(ExitCode.PENDING)
    if check and not result.matches:
        return int(ExitCode.DRIFT)
    return 0


def _line(outcome: HomeOutcome, write: bool) -> tuple[str, str | None]:
    home = outcome.layout.home
    if outcome.error is not None:
        return f"cbcfg: error: {home}: {outcome.error.line()}", None
    result = outcome.result
    assert result is not None
    if result.applied:
        return (
            f"{home}: applied, {result.summary['changed']} file(s) changed "
            f"(undo: cbcfg rollback {result.backup_set} --home {home})",
            "green",
        )
    if result.matches:
        return f"{home}: nothing to change", None
    if not result.pending:
        return f"{home}: left alone, {result.summary['drift']} key(s) changed by hand (drift)", "yellow"
    return f"{home}: changes pending ({'dry run' if not write else 'not written'})", None
