"""login: where the settings require Claude Code's gateway sign-in (`forceLoginMethod: "gateway"`),
the gateway at `forceLoginGatewayUrl` serves the sign-in protocol: its discovery document
(`GET <base>/.well-known/oauth-authorization-server`) names a device-authorization endpoint on the
same origin, and that endpoint answers.

No sign-in is ever started: every POST to the device-authorization endpoint starts one (Bifrost
stores a pending grant and counts it against a per-address limit), so the endpoint is probed with a
GET, which Bifrost's router answers with 405 (the route exists, for POST) and never hands to the
sign-in code; 404 means no such route.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from claude_bifrost_cfg.checks.base import CheckResult, Level, NetworkContext, describe_transport_error

if TYPE_CHECKING:
    import httpx

    from claude_bifrost_cfg.layers import Layer

name = "login"
summary = "the gateway sign-in (forceLoginMethod gateway) finds Bifrost's /claude-code discovery and device endpoints"
network = True

GATEWAY_METHOD = "gateway"
DISCOVERY = "/.well-known/oauth-authorization-server"
BIFROST_PATH = "/claude-code"  # Bifrost serves the protocol at {issuer}/claude-code
ENABLE_FIX = (
    "enable claude_code_gateway in Bifrost: set client.oauth2_server_config.issuer_url and "
    "claude_code_gateway.enabled: true, then point forceLoginGatewayUrl at {issuer}/claude-code"
)
# What the device-authorization endpoint may answer to a GET when it exists: the router's 405 for
# a POST route, or a gateway that reads the GET as a bad request / wants credentials.
ANSWERS = frozenset({200, 204, 400, 401, 403, 405})


@dataclass(frozen=True)
class LoginSettings:
    method: str | None  # forceLoginMethod as the client will read it
    gateway_url: str | None  # forceLoginGatewayUrl
    where: str  # the layer that decides, for messages

    @property
    def required(self) -> bool:
        return self.method == GATEWAY_METHOD


def login_settings(layers: Sequence[Layer]) -> LoginSettings:
    """forceLoginMethod and forceLoginGatewayUrl as Claude Code 2.1.332 honours them: from the
    managed sources when the machine has any, else from the user's settings; never from a project
    (its settings page: "ignored in project, local, flag, and remote-delivered settings")."""
    managed = [layer for layer in layers if layer.name == "managed" and layer.exists]
    sources = managed or [layer for layer in layers if layer.name == "user" and layer.exists]
    method = url = None
    where = sources[0].shown if sources else "no settings"
    for layer in sources:  # highest precedence first
        if method is None and isinstance(value := layer.values.get("forceLoginMethod"), str):
            method, where = value, layer.shown
        if url is None and isinstance(value := layer.values.get("forceLoginGatewayUrl"), str) and value:
            url = value
    return LoginSettings(method, url, where)


def gateway_root(url: str) -> str | None:
    """The gateway's root (scheme://host:port) of a forceLoginGatewayUrl; None when no http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def run(ctx: NetworkContext, client: httpx.Client) -> list[CheckResult]:
    if ctx.login_method != GATEWAY_METHOD:
        return []  # no gateway sign-in required: nothing to check
    base = ctx.login_gateway_url
    if not base:
        return [
            CheckResult(
                name,
                Level.WARNING,
                'forceLoginMethod is "gateway" but no forceLoginGatewayUrl is set: /login asks for the gateway URL',
                f"set forceLoginGatewayUrl to <gateway>{BIFROST_PATH} (cbcfg apply PROFILE --key-mode login)",
            )
        ]
    import httpx

    base = base.rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [_failed(f"forceLoginGatewayUrl {base!r} is no http(s) URL", f"set it to <gateway>{BIFROST_PATH}")]
    from claude_bifrost_cfg.profiles import is_loopback_url

    if parts.scheme == "http" and not is_loopback_url(base):
        return [
            _failed(
                f"/login refuses the plain-http gateway {base} (http only on loopback)",
                "serve Bifrost over https and use an https:// forceLoginGatewayUrl",
            )
        ]
    try:
        return [_probe(base, client)]
    except httpx.TransportError as exc:
        reason = describe_transport_error(exc, _at(ctx, base))
        return [_failed(f"the gateway sign-in at {base}: {reason.message}", reason.fix)]


def _probe(base: str, client: httpx.Client) -> CheckResult:
    discovery = client.get(base + DISCOVERY, headers={"accept": "application/json"})
    shown = f"GET {urlsplit(base).path}{DISCOVERY}"
    if discovery.status_code == 404:
        return _failed(f"{base} serves no Claude Code gateway ({shown}: HTTP 404)", ENABLE_FIX)
    if discovery.status_code != 200:
        return _failed(f"{shown} at {base} answered HTTP {discovery.status_code}", "see Bifrost's log for the cause")
    document = _json(discovery)
    endpoint = document.get("device_authorization_endpoint") if isinstance(document, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return _failed(f"{shown} at {base} is no discovery document naming a device_authorization_endpoint", ENABLE_FIX)
    if gateway_root(endpoint) != gateway_root(base):
        return _failed(
            f"the discovery document names a device-authorization endpoint on another origin ({endpoint})",
            "Claude Code uses same-origin endpoints only: set Bifrost's issuer_url to the URL clients reach it at",
        )
    answer = client.get(endpoint, headers={"accept": "application/json"})  # a GET starts no sign-in
    if answer.status_code == 404:
        return _failed(f"the device-authorization endpoint {endpoint} does not exist (HTTP 404)", ENABLE_FIX)
    if answer.status_code not in ANSWERS:
        return _failed(
            f"the device-authorization endpoint {endpoint} answered HTTP {answer.status_code}",
            "see Bifrost's log for the cause",
        )
    return CheckResult(
        name,
        Level.OK,
        f"the gateway sign-in at {base} answers: discovery names {urlsplit(endpoint).path}, which answers "
        f"(GET: HTTP {answer.status_code}; no sign-in started)",
    )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _failed(message: str, fix: str) -> CheckResult:
    return CheckResult(name, Level.FAILED, message, fix)


def _at(ctx: NetworkContext, base: str) -> NetworkContext:
    """`ctx` addressed at the sign-in gateway, for describing a transport error there."""
    from dataclasses import replace

    return replace(ctx, gateway_url=gateway_root(base) or base)
