"""``cbcfg doctor``: prove that Claude will actually reach Bifrost — files, layers, gateway, key, MCP."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import (
    GatewayOption,
    HomeOption,
    JsonOption,
    KeyStdinOption,
    PlatformOption,
    ProfilesDirOption,
    ProjectOption,
    SystemRootOption,
    reports_errors,
)

if TYPE_CHECKING:
    from ..checks.base import CheckResult


@reports_errors
def doctor(
    profile: Annotated[
        str | None, typer.Option("--profile", "-p", help="Check against this profile, applied or not.")
    ] = None,
    no_network: Annotated[bool, typer.Option("--no-network", help="Only the local checks.")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds for the network checks (all run at once).")
    ] = 5.0,
    live: Annotated[
        bool, typer.Option("--live", help="Also send one real one-token request (costs a little).")
    ] = False,
    gateway_url: GatewayOption = None,
    key_stdin: KeyStdinOption = False,
    home: HomeOption = None,
    project: ProjectOption = None,
    system_root: SystemRootOption = None,
    platform: PlatformOption = None,
    profiles_dir: ProfilesDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Check files, settings layers, the gateway, the key, the models and the MCP endpoint. Writes nothing."""
    import os

    from ..checks.run import DoctorRequest, run_doctor
    from ..errors import ExitCode
    from ..output import emit_json
    from .common import build_layout, read_key, sources

    layout = build_layout(home, project, system_root, platform)
    request = DoctorRequest(
        layout=layout,
        profile=profile,
        profile_sources=sources(layout, profiles_dir) if profile is not None else (),
        gateway_url=gateway_url,
        key=read_key(key_stdin),
        timeout=timeout,
        live=live,
        network=not no_network,
        environment=dict(os.environ),
    )
    report = run_doctor(request, None if json_output or not sys.stderr.isatty() else _spinner)
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
        raise typer.Exit(int(ExitCode.DOCTOR_FAILED))


def _spinner(message: str) -> AbstractContextManager[Any]:
    from rich.console import Console

    return Console(stderr=True).status(message)


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
