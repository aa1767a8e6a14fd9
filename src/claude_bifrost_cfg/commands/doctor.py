"""``cbcfg doctor``: prove that Claude will actually reach Bifrost — files, layers, gateway, key, MCP."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..completion import complete_profile_names
from .common import RootOptions, root_options, some_profile_options

if TYPE_CHECKING:
    from ..checks.base import CheckResult


@click.command()
@click.option(
    "--profile",
    "-p",
    metavar="NAME",
    shell_complete=complete_profile_names,
    help="Check against this profile, applied or not.",
)
@click.option("--no-network", is_flag=True, help="Only the local checks.")
@click.option(
    "--timeout",
    type=float,
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds for the network checks (all run at once).",
)
@click.option("--live", is_flag=True, help="Also send one real one-token request (costs a little).")
@click.option(
    "--policy-file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Also count this exported .reg (HKLM/HKCU policy) or plist as a managed source.",
)
@some_profile_options("gateway_url", "key_stdin")
@root_options
def doctor(
    roots: RootOptions,
    profile: str | None,
    no_network: bool,
    timeout: float,
    live: bool,
    gateway_url: str | None,
    key_stdin: bool,
    policy_file: Path | None = None,
) -> None:
    """Check files, settings layers, the gateway, the key, the models and the MCP endpoint. Writes nothing."""
    import os

    from ..checks.run import DoctorRequest, run_doctor
    from ..errors import ExitCode
    from ..output import emit_json
    from .common import read_key, sources

    json_output = roots.json_output
    layout = roots.layout()
    if policy_file is not None:
        from ..layout import display_path
        from ..policy_sources import check_policy_file

        policy_file = policy_file.absolute()
        check_policy_file(policy_file, display_path(policy_file, layout.home))
    request = DoctorRequest(
        layout=layout,
        profile=profile,
        profile_sources=sources(layout, roots.profiles_dir) if profile is not None else (),
        gateway_url=gateway_url,
        key=read_key(key_stdin),
        timeout=timeout,
        live=live,
        network=not no_network,
        environment=dict(os.environ),
        policy_file=policy_file,
    )
    spinner = None if json_output or not sys.stderr.isatty() else _spinner
    report = run_doctor(request, spinner, None if json_output else _load_printer)
    if json_output:
        emit_json(
            {
                "command": "doctor",
                "ok": not report.failed,
                "results": [
                    {"check": r.check, "level": str(r.level), "message": r.message, "fix": r.fix}
                    for r in report.results
                ],
                "summary": report.summary(),
            }
        )
    else:
        _print(report.results, report.summary())
    if report.failed:
        raise click.exceptions.Exit(int(ExitCode.DOCTOR_FAILED))


def _spinner(message: str) -> AbstractContextManager[Any]:
    from rich.console import Console

    return Console(stderr=True).status(message)


def _load_printer() -> None:
    """Load what the table is drawn with (rich, tens of milliseconds) while the gateway is awaited:
    a table drawn into nothing imports the modules rich loads only when it first draws one."""
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table("RESULT", box=None)
    table.add_row(Text("ok"))
    Console(file=io.StringIO(), width=80, color_system=None).print(table)


_STYLES = {"ok": "green", "info": "blue", "warning": "yellow", "failed": "red", "error": "bold red", "skipped": "dim"}


def _print(results: list[CheckResult], summary: dict[str, int]) -> None:
    from ..output import Printer

    printer = Printer(sys.stdout)
    printer.table(
        ["RESULT", "CHECK", "MESSAGE"],
        [
            [str(r.level), r.check, r.message + (f"\n  fix: {r.fix}" if r.fix and r.level != "ok" else "")]
            for r in results
        ],
        first_cell_styles=[_STYLES.get(str(r.level)) for r in results],
    )
    printer.line(", ".join(f"{count} {level}" for level, count in summary.items()))
