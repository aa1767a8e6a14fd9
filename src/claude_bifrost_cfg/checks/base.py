"""What every doctor check shares: levels, result rows, the network context, the check interface."""

from __future__ import annotations

import errno
import functools
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx


class Level(StrEnum):
    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    FAILED = "failed"  # the check ran and found a problem
    ERROR = "error"  # the check itself could not run (a bug, or something it cannot handle)
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckResult:
    check: str
    level: Level
    message: str  # one line, never a key
    fix: str = ""  # one line: what to do about it


@dataclass(frozen=True)
class NetworkContext:
    gateway_url: str  # Bifrost's root, e.g. http://localhost:8080 (no /anthropic)
    key: str | None  # the key Bifrost will read, judged by the checks
    key_header: Literal["x-api-key", "bearer", "x-bf-vk"]  # where Bifrost reads it from
    models: Mapping[str, str] = field(default_factory=dict)  # tier -> pinned model id
    timeout: float = 5.0  # seconds, per request
    live: bool = False  # allow a real one-token inference request
    ca_file: str | None = None  # extra CA certificates, as Claude Code's NODE_EXTRA_CA_CERTS
    # Every credential header exactly as the client sends it (x-api-key and Bearer both, when two
    # layers set both); None: just `key` as `key_header`.
    credential_headers: Mapping[str, str] | None = None
    # The gateway sign-in the settings require (checks/login.py): forceLoginMethod, forceLoginGatewayUrl.
    login_method: str | None = None
    login_gateway_url: str | None = None

    @property
    def secrets(self) -> list[str]:
        """Every credential value this context sends, for redaction."""
        values = [self.key] if self.key else []
        for header in (self.credential_headers or {}).values():
            values += [header, header.removeprefix("Bearer ")]
        return values

    def url(self, path: str) -> str:
        return self.gateway_url.rstrip("/") + path

    @property
    def address(self) -> str:
        """host:port of the gateway, for messages (no user info, no path)."""
        parts = urlsplit(self.gateway_url)
        default = 443 if parts.scheme == "https" else 80
        return f"{parts.hostname}:{parts.port or default}"


class NetworkCheck(Protocol):
    """A network check: a module (or object) with these members, registered in `checks.network`.

    Optional members, read by the runner (declared by the check, never tested for by identity):
    - `gates_others = True`: when this check cannot reach the gateway, the others are stopped and
      shown as not checked (the gateway check).
    - `uses_virtual_key = True`: the check judges the virtual key; in login mode with no key given
      (the client sends the gateway's sign-in token instead) it is skipped, saying so.
    - `prepare() -> None`: start loading what the check needs before the clock starts.
    - `loading_seconds(since: float) -> float`: how long, since the time.monotonic() value `since`,
      the check has spent loading code rather than waiting on the network; the runner's deadline
      does not count that time (the MCP check's SDK import).
    - `late_result(ctx) -> CheckResult | None`: the row for a check stopped at the deadline, when it
      knows better than "no complete answer" (the MCP SDK still loading).
    """

    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...  # one line: what the check proves

    @property
    def network(self) -> bool: ...  # True: skipped with --no-network

    def run(self, ctx: NetworkContext, client: httpx.Client) -> list[CheckResult]: ...  # in a thread of its own


class Unreachable(Exception):
    """The gateway could not be reached at all; the runner turns this into a result row."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def tls_context(ctx: NetworkContext) -> ssl.SSLContext:
    """Verify as Claude Code (Node) does: Mozilla's CA list, plus the extra CA file when given.

    Loading the CA list takes tens of milliseconds, so it is loaded once, and only for an https
    gateway; for http the context trusts nothing (no certificate is ever shown to it).
    """
    return _trusting(ctx.ca_file) if urlsplit(ctx.gateway_url).scheme == "https" else _trusting_nothing()


@functools.cache
def _trusting(ca_file: str | None) -> ssl.SSLContext:
    import certifi

    context = ssl.create_default_context(cafile=certifi.where())
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


@functools.cache
def _trusting_nothing() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def describe_transport_error(exc: BaseException, ctx: NetworkContext) -> Unreachable:
    """One line for why the gateway could not be reached (works for httpx and the MCP SDK's httpx2)."""
    address = ctx.address
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or str(cause)
            return Unreachable(
                f"TLS certificate of {address} is not trusted: {reason}",
                "use a certificate from a public CA, or give Claude Code its CA file in NODE_EXTRA_CA_CERTS",
            )
        if isinstance(cause, ssl.SSLError):
            return Unreachable(
                f"TLS handshake with {address} failed: {cause.reason or cause}",
                "check that the gateway URL's scheme (http/https) matches what Bifrost serves",
            )
        if isinstance(cause, socket.gaierror):
            return Unreachable(
                f"cannot resolve {urlsplit(ctx.gateway_url).hostname}",
                "check the gateway URL in the profile",
            )
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == errno.ECONNREFUSED:
            return Unreachable(
                f"nothing listens at {address} (connection refused)",
                "start Bifrost, or correct the gateway URL in the profile",
            )
        if isinstance(cause, TimeoutError) or type(cause).__name__.endswith("Timeout"):
            return Unreachable(
                f"no answer from {address} within {ctx.timeout:g} s",
                "check that Bifrost runs there and nothing swallows the traffic; raise --timeout on slow links",
            )
    return Unreachable(
        f"cannot talk to {address}: {type(exc).__name__}: {exc}".rstrip(": "),
        "check the gateway URL and that Bifrost runs there",
    )


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, its causes and contexts, and the members of exception groups, depth first."""
    seen: list[BaseException] = []
    stack = [exc]
    while stack:
        current = stack.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        if isinstance(current, BaseExceptionGroup):
            stack.extend(reversed(current.exceptions))
        for linked in (current.__context__, current.__cause__):
            if linked is not None:
                stack.append(linked)
    return seen
