"""What ``cbcfg doctor`` runs: the check contexts built from a layout, a profile and the options,
the local checks run while the network checks wait on the gateway, and every row in order.

The command only parses its options into a `DoctorRequest`, calls `run_doctor`, and renders.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RefusedError, UsageError
from ..layers import TIER_VARIABLES, Credentials, read_layers, resolution_keys, resolve, resolve_credentials
from ..layout import Layout
from .base import CheckResult, Level, NetworkContext
from .context import LocalContext

if TYPE_CHECKING:
    from ..profiles import ProfileSource

# How the command shows that the network checks are waiting (a spinner); nothing by default.
Waiting = Callable[[str], AbstractContextManager[Any]]


@dataclass(frozen=True)
class DoctorRequest:
    layout: Layout
    profile: str | None = None  # --profile: check against this profile, applied or not
    profile_sources: Sequence[ProfileSource] = ()
    gateway_url: str | None = None  # --gateway-url
    key: str | None = None  # --key-stdin or BIFROST_VIRTUAL_KEY
    timeout: float = 5.0
    live: bool = False
    network: bool = True  # False: --no-network
    environment: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    policy_file: Path | None = None  # --policy-file: an exported .reg (or plist) to count as a managed source


@dataclass(frozen=True)
class DoctorReport:
    results: list[CheckResult]

    @property
    def failed(self) -> bool:
        return any(r.level in (Level.FAILED, Level.ERROR) for r in self.results)

    def summary(self) -> dict[str, int]:
        """Rows per level, in the levels' order (ok, info, warning, failed, error, skipped); none at 0."""
        counts = {str(level): sum(1 for r in self.results if r.level == level) for level in Level}
        return {level: count for level, count in counts.items() if count}


def run_doctor(
    request: DoctorRequest, waiting: Waiting | None = None, meanwhile: Callable[[], object] | None = None
) -> DoctorReport:
    """Every check's rows: the local ones, then the network ones (which ran meanwhile).

    ``meanwhile`` runs after the local checks, while the network checks may still wait on the
    gateway: the command loads what it prints with there, off the time the user waits."""
    if not math.isfinite(request.timeout) or request.timeout <= 0:  # nan or inf would let a gateway hang doctor
        raise UsageError("--timeout must be a number of seconds more than 0", "e.g. --timeout 5")
    local, network = build_contexts(request)
    if network is not None and request.network:
        from .network import prepare_network_checks

        prepare_network_checks()  # httpx loads before the network checks' clock starts
    # The network checks mostly wait on the gateway: the local checks load and run meanwhile.
    network_results = _in_background(lambda: _network_results(network, request.network, waiting))
    from .local import run_local_checks

    results = run_local_checks(local)
    if meanwhile is not None:
        meanwhile()
    results += network_results()
    return DoctorReport(results)


def build_contexts(request: DoctorRequest) -> tuple[LocalContext, NetworkContext | None]:
    """The local checks' context, and the network checks' one (None: no gateway URL to check)."""
    from ..inputs import resolve_inputs
    from ..output import register_secret
    from ..profiles import load_profile
    from ..source import build_source
    from ..transaction import load_records
    from .login import gateway_root, login_settings

    layout, environment = request.layout, request.environment
    records = load_records(layout.state_dir)
    layers = read_layers(layout, environment, request.policy_file)
    effective = {item.key: item for item in resolve(layers, resolution_keys(), records)}
    profile = source = None
    if request.profile is not None:
        profile = load_profile(request.profile, request.profile_sources)
        inputs = resolve_inputs(
            profile, request.gateway_url, environment, request.key, allow_insecure=True, need_key=False
        )
        source = build_source(profile, inputs.gateway_url, inputs.key)
    local = LocalContext(layout, records, layers, effective, profile, source)
    helper_key = _helper_key(local)  # key mode helper: the key the client will send is its output
    credentials = resolve_credentials(effective, helper_key)
    for value in credentials.values:
        register_secret(value)

    def winner(name: str) -> str | None:
        value = local.value(name)
        return value if isinstance(value, str) and value else None

    url: str | None
    credential_headers: dict[str, str] | None = None
    if source is not None and profile is not None:
        url = source.gateway_url
        header = "bearer" if profile.key_env == "ANTHROPIC_AUTH_TOKEN" else "x-api-key"
        models = dict(profile.models)
        key = request.key or winner(profile.key_env)
        if source.key_mode in ("helper", "header") and not request.key:
            key, header, credential_headers = _sent_key(credentials, None)
    else:
        given = request.gateway_url or environment.get("BIFROST_URL")
        if given:
            url = checked_gateway_url(given, "--gateway-url" if request.gateway_url else "BIFROST_URL")
        else:
            base = winner("ANTHROPIC_BASE_URL")  # one that is no http(s) URL is the settings check's to report
            url = base.rstrip("/").removesuffix("/anthropic") if base and _is_http_url(base) else None
        key, header, credential_headers = _sent_key(credentials, request.key)
        tiers = {**TIER_VARIABLES, "default": "ANTHROPIC_MODEL"}
        models = {tier: pinned for tier, name in tiers.items() if (pinned := winner(name))}
    login = login_settings(layers)
    if url is None and login.required and login.gateway_url:  # login mode needs no ANTHROPIC_BASE_URL
        url = gateway_root(login.gateway_url)
    if url is None:
        return local, None
    register_secret(key)
    network = NetworkContext(
        gateway_url=url,
        key=key,
        key_header="bearer" if header == "bearer" else "x-bf-vk" if header == "x-bf-vk" else "x-api-key",
        models=models,
        timeout=request.timeout,
        live=request.live,
        ca_file=environment.get("NODE_EXTRA_CA_CERTS") or None,  # the CAs Claude Code (Node) trusts too
        credential_headers=credential_headers,
        login_method=login.method,
        login_gateway_url=login.gateway_url,
    )
    return local, network


def _helper_key(local: LocalContext) -> str | None:
    from .key_mode import helper_program_missing, run_helper, runnable_helper

    command = runnable_helper(local)
    if command is None:
        return None
    return None if helper_program_missing(command) else run_helper(command, str(local.layout.home)).key


def _sent_key(credentials: Credentials, fallback: str | None) -> tuple[str | None, str, dict[str, str] | None]:
    """The key Bifrost will read, the header it reads it from, and every credential header the
    client sends; BIFROST_VIRTUAL_KEY (which Claude Code never reads) only when no layer sets one."""
    headers = credentials.headers()
    if not headers:
        return fallback, "x-api-key", None
    read = credentials.read
    if read is not None and read.value is not None:
        return read.value, "bearer" if read.header == "authorization" else read.header, headers
    # Bifrost reads none of them (no sk-bf- value), or apiKeyHelper's unknown output: judge what is seen.
    first = next(c for c in credentials.sent if c.value is not None)
    return first.value, "bearer" if first.header == "authorization" else first.header, headers


def checked_gateway_url(url: str, origin: str) -> str:
    """A gateway root given to doctor, checked as apply checks it (the /anthropic route is accepted too)."""
    from ..profiles import check_gateway_url

    try:
        return check_gateway_url(url.rstrip("/").removesuffix("/anthropic"))
    except ValueError as exc:
        raise RefusedError(f"{origin}: the gateway URL {exc}", "pass the gateway's root URL") from None


def _is_http_url(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _network_results(network: NetworkContext | None, enabled: bool, waiting: Waiting | None) -> list[CheckResult]:
    if not enabled:
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
    from .network import run_network_checks

    with (waiting or _no_waiting)(f"Checking the gateway at {network.address} …"):
        return run_network_checks(network)


def _no_waiting(message: str) -> AbstractContextManager[None]:
    return nullcontext()


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
