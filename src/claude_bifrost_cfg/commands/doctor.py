"""``cbcfg doctor``: prove that Claude will actually reach Bifrost — files, layers, gateway, key, MCP."""

from __future__ import annotations

import sys
from collections.abc import Callable
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
    from ..checks.base import CheckResult, NetworkContext
    from ..checks.context import LocalContext


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
    import math

    from ..errors import ExitCode, UsageError
    from ..output import emit_json

    if not math.isfinite(timeout) or timeout <= 0:  # nan or inf would let a silent gateway hang doctor
        raise UsageError("--timeout must be a number of seconds more than 0", "e.g. --timeout 5")
    local, network = _contexts(
        profile, gateway_url, key_stdin, home, project, system_root, platform, profiles_dir, timeout, live
    )
    if network is not None and not no_network:
        from ..checks.network import prepare_network_checks

        prepare_network_checks()  # the MCP SDK loads in a thread while the local checks run
    # The network checks mostly wait on the gateway: the local checks load and run meanwhile.
    network_results = _in_background(lambda: _network_results(network, no_network, json_output))
    from ..checks.local import run_local_checks

    results = run_local_checks(local)
    results += network_results()
    failed = [r for r in results if r.level in ("failed", "error")]
    if json_output:
        emit_json(
            {
                "command": "doctor",
                "ok": not failed,
                "results": [
                    {"check": r.check, "level": str(r.level), "message": r.message, "fix": r.fix} for r in results
                ],
                "summary": _summary(results),
            }
        )
    else:
        _print(results)
    if failed:
        raise typer.Exit(int(ExitCode.DOCTOR_FAILED))


def _contexts(
    profile_name: str | None,
    gateway_url: str | None,
    key_stdin: bool,
    home: Any,
    project: Any,
    system_root: Any,
    platform: str | None,
    profiles_dir: Any,
    timeout: float,
    live: bool,
) -> tuple[LocalContext, NetworkContext | None]:
    import os

    from ..checks.base import NetworkContext
    from ..checks.context import LocalContext
    from ..inputs import resolve_inputs
    from ..layers import all_keys, read_layers, resolve
    from ..profiles import load_profile
    from ..source import build_source
    from ..state import load_records
    from .common import build_layout, read_key, sources

    layout = build_layout(home, project, system_root, platform)
    records = load_records(layout.state_dir)
    layers = read_layers(layout, os.environ)
    effective = {item.key: item for item in resolve(layers, all_keys(), records)}
    key = read_key(key_stdin)
    profile = rendered = None
    if profile_name is not None:
        profile = load_profile(profile_name, sources(layout, profiles_dir))
        inputs = resolve_inputs(profile, gateway_url, os.environ, key, allow_insecure=True, need_key=False)
        rendered = build_source(profile, inputs.gateway_url, inputs.key)
    local = LocalContext(layout, records, layers, effective, profile, rendered)

    def winner(name: str) -> str | None:
        value = local.value(name)
        return value if isinstance(value, str) and value else None

    if rendered is not None and profile is not None:
        url: str | None = rendered.gateway_url
        header = "bearer" if profile.key_env == "ANTHROPIC_AUTH_TOKEN" else "x-api-key"
        models = dict(profile.models)
        key = key or winner(profile.key_env)
    else:
        given = gateway_url or os.environ.get("BIFROST_URL")
        if given:
            url = _checked_gateway_url(given, "--gateway-url" if gateway_url else "BIFROST_URL")
        else:
            base = winner("ANTHROPIC_BASE_URL")  # one that is no http(s) URL is the settings check's to report
            url = base.rstrip("/").removesuffix("/anthropic") if base and _is_http_url(base) else None
        api_key, token = winner("ANTHROPIC_API_KEY"), winner("ANTHROPIC_AUTH_TOKEN")
        # The key Claude Code will send; BIFROST_VIRTUAL_KEY (which it never reads) only when no layer sets one.
        key = api_key or token or key
        header = "x-api-key" if (api_key and key == api_key) or not token else "bearer"
        tiers = {
            "sonnet": "ANTHROPIC_DEFAULT_SONNET_MODEL",
            "opus": "ANTHROPIC_DEFAULT_OPUS_MODEL",
            "haiku": "ANTHROPIC_DEFAULT_HAIKU_MODEL",
            "default": "ANTHROPIC_MODEL",
        }
        models = {tier: value for tier, name in tiers.items() if (value := winner(name))}
    if url is None:
        return local, None
    from ..output import register_secret

    register_secret(key)
    network = NetworkContext(
        gateway_url=url,
        key=key,
        key_header="bearer" if header == "bearer" else "x-api-key",
        models=models,
        timeout=timeout,
        live=live,
        ca_file=os.environ.get("NODE_EXTRA_CA_CERTS") or None,  # the CAs Claude Code (Node) trusts too
    )
    return local, network


def _checked_gateway_url(url: str, origin: str) -> str:
    """A gateway root given to doctor, checked as apply checks it (the /anthropic route is accepted too)."""
    from ..errors import RefusedError
    from ..profiles import check_gateway_url

    try:
        return check_gateway_url(url.rstrip("/").removesuffix("/anthropic"))
    except ValueError as exc:
        raise RefusedError(f"{origin}: the gateway URL {exc}", "pass the gateway's root URL") from None


def _is_http_url(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _network_results(network: NetworkContext | None, no_network: bool, quiet: bool) -> list[CheckResult]:
    from ..checks.base import CheckResult, Level

    if no_network:
        return [CheckResult("network", Level.SKIPPED, "network checks skipped (--no-network)")]
    if network is None:
        return [
            CheckResult(
                "network",
                Level.SKIPPED,
                "no gateway URL to check (no layer sets ANTHROPIC_BASE_URL to an http(s) URL)",
                "cbcfg doctor --profile <name>, or --gateway-url URL",
            )
        ]
    import asyncio

    from ..checks.network import run_network_checks

    if quiet or not sys.stderr.isatty():
        return asyncio.run(run_network_checks(network))
    from rich.console import Console

    with Console(stderr=True).status(f"Checking the gateway at {network.address} …"):
        return asyncio.run(run_network_checks(network))


def _in_background(work: Callable[[], list[CheckResult]]) -> Callable[[], list[CheckResult]]:
    """Start ``work`` in a thread; the function returned waits for its result (or raises its error)."""
    import threading

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # handed to the main thread, which reports it
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="cbcfg-network-checks", daemon=True)
    thread.start()

    def result() -> list[CheckResult]:
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        found: list[CheckResult] = outcome["result"]
        return found

    return result


def _summary(results: list[CheckResult]) -> dict[str, int]:
    """Rows per level, in the levels' order (ok, info, warning, failed, error, skipped); none at 0."""
    from ..checks.base import Level

    counts = {str(level): sum(1 for r in results if r.level == level) for level in Level}
    return {level: count for level, count in counts.items() if count}


_STYLES = {"ok": "green", "info": "blue", "warning": "yellow", "failed": "red", "error": "bold red", "skipped": "dim"}


def _print(results: list[CheckResult]) -> None:
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
    summary = _summary(results)
    printer.line(", ".join(f"{count} {level}" for level, count in summary.items()))
