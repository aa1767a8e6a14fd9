"""The Claude Code gateway protocol under `/claude-code`, as Bifrost serves it
(transports/bifrost-http/handlers/claudecodegateway.go), for the test gateway.

    gw.login.enabled = False                     # Bifrost without claude_code_gateway: every route 404
    gw.login.base_url                            # what forceLoginGatewayUrl points at
    gw.login.approve()                           # the user approves the pending sign-in's code
    gw.login.auto_approve = True                 # or: approve each sign-in as soon as it starts
    gw.login.managed_settings = {...}            # what GET /managed/settings serves (None: 404)
    gw.login.issued / .revoked / .unknown        # tokens handed out, tokens revoked, routes nobody serves

Routes: `GET /.well-known/oauth-authorization-server` (RFC 8414 metadata); `POST
/oauth/device_authorization` (RFC 8628; Claude Code sends only `surface=claude_code`); `POST
/oauth/token` (device-code grant: `authorization_pending` until approved, then an access and a
refresh token once; refresh grant: a new pair); `POST /oauth/revoke` (RFC 7009: 200 whatever the
token); `GET /managed/settings` (bearer; ETag `"sha256:<hex>"` of the key-sorted compact JSON,
304 on a matching If-None-Match); `POST /v1/{metrics,logs,traces}` (bearer; 200, discarded);
`POST /v1/messages[/count_tokens]`, `GET /v1/models` (bearer). A bearer that is not a token this
gateway issued — a static `sk-bf-` virtual key included — gets 401 `authentication_error` with
`x-should-retry: false`, as Bifrost's BearerMiddleware answers. A GET or HEAD on a POST route
gets 405, as fasthttp's router answers (what doctor's login check relies on). Anything else under
`/claude-code` is recorded in `unknown` and answered 404.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from tests.support.gateway import Gateway, RecordedRequest

PREFIX = "/claude-code"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SCOPE = "claude-code"
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1, as Bifrost draws them
POST_ROUTES = ("/oauth/device_authorization", "/oauth/token", "/oauth/revoke", "/device/verify")
OTLP_ROUTES = ("/v1/metrics", "/v1/logs", "/v1/traces")


@dataclass
class DeviceGrant:
    device_code: str
    user_code: str
    surface: str
    approved: bool = False
    used: bool = False


def settings_checksum(settings: Any) -> str:
    """ "sha256:" + hex SHA-256 of the key-sorted, whitespace-free JSON (what Claude Code computes)."""
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class GatewayLogin:
    """The `/claude-code` routes of one test gateway; the switches are plain attributes."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.enabled: bool = True
        self.auto_approve: bool = False
        self.interval: int = 1  # seconds the client is told to wait between polls (Bifrost: 5)
        self.access_ttl: int = 3600
        self.managed_settings: dict[str, Any] | None = None
        self.grants: list[DeviceGrant] = []
        self.issued: list[tuple[str, str]] = []  # (access token, refresh token), in order
        self.revoked: list[str] = []
        self.unknown: list[RecordedRequest] = []

    # -- addresses and the test's hands -----------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self._gateway.url + PREFIX

    def approve(self, user_code: str | None = None) -> DeviceGrant:
        """Approve the sign-in showing `user_code` (the latest pending one when None)."""
        with self._lock:
            pending = [g for g in self.grants if not g.used and (user_code is None or g.user_code == user_code)]
            if not pending:
                raise LookupError(f"no pending sign-in{f' with code {user_code}' if user_code else ''}")
            pending[-1].approved = True
            return pending[-1]

    def wait_for(self, what: Callable[[], Any], timeout: float = 30, interval: float = 0.1) -> Any:
        """Poll `what()` until it is truthy; its value, or a TimeoutError."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if value := what():
                return value
            time.sleep(interval)
        raise TimeoutError(f"not within {timeout:g} s")

    @property
    def access_tokens(self) -> set[str]:
        return {access for access, _ in self.issued}

    def live_token(self, token: str) -> bool:
        """An access token this gateway issued. Revoking does not end one: Bifrost's are stateless
        JWTs that expire (revoking a refresh token ends its family's refreshes)."""
        with self._lock:
            return any(token == access for access, _ in self.issued)

    # -- the routes -------------------------------------------------------------------------------
    def respond(self, request: RecordedRequest) -> Response:
        route, method = request.route.removeprefix(PREFIX) or "/", request.method
        if not self.enabled:  # Bifrost registers the routes but answers 404 while the gateway is off
            if route in (*POST_ROUTES, "/.well-known/oauth-authorization-server"):
                return _oauth_error(404, "not_found", "the claude code gateway is not enabled")
            return _anthropic_error(404, "not_found_error", "the claude code gateway is not enabled")
        if route == "/.well-known/oauth-authorization-server" and method == "GET":
            return self._metadata()
        if route in POST_ROUTES:
            if method != "POST":
                return Response("Method Not Allowed", status_code=405, headers={"allow": "POST"})
            form = parse_qs(request.body.decode("utf-8", "replace"))
            field = {name: values[0] for name, values in form.items() if values}
            if route == "/oauth/device_authorization":
                return self._device_authorization(field)
            if route == "/oauth/token":
                return self._token(field)
            if route == "/oauth/revoke":
                return self._revoke(field)
        bearer = route == "/managed/settings" or route in OTLP_ROUTES or route.startswith("/v1/")
        if bearer:
            denied = self._bearer_denial(request)
            if denied is not None:
                return denied
            if route == "/managed/settings" and method == "GET":
                return self._managed_settings(request)
            if route in OTLP_ROUTES and method == "POST":
                return Response(status_code=200)
            if route == "/v1/messages" and method == "POST":
                return self._gateway.answer_messages(request.json())
            if route == "/v1/messages/count_tokens" and method == "POST":
                body = request.json()
                return JSONResponse({"input_tokens": max(1, len(json.dumps(body)) // 4)})
            if route == "/v1/models" and method == "GET":
                data = [{"type": "model", "id": m, "display_name": m} for m in self._gateway.models]
                return JSONResponse({"data": data, "has_more": False})
        with self._lock:
            self.unknown.append(request)
        return _anthropic_error(404, "not_found_error", f"no route {method} {request.route}")

    def _metadata(self) -> Response:
        base = self.base_url
        return JSONResponse(
            {
                "issuer": base,
                "device_authorization_endpoint": base + "/oauth/device_authorization",
                "token_endpoint": base + "/oauth/token",
                "revocation_endpoint": base + "/oauth/revoke",
                "grant_types_supported": [DEVICE_GRANT, "refresh_token"],
                "response_types_supported": [],
                "token_endpoint_auth_methods_supported": ["none"],
                "scopes_supported": [SCOPE],
            },
            headers={"cache-control": "no-store"},
        )

    def _device_authorization(self, field: dict[str, str]) -> Response:
        code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
        grant = DeviceGrant(secrets.token_urlsafe(32), f"{code[:4]}-{code[4:]}", field.get("surface", ""))
        grant.approved = self.auto_approve
        with self._lock:
            self.grants.append(grant)
        verification = self._gateway.url + "/oauth/device"
        return JSONResponse(
            {
                "device_code": grant.device_code,
                "user_code": grant.user_code,
                "verification_uri": verification,
                "verification_uri_complete": f"{verification}?user_code={grant.user_code}",
                "expires_in": 600,
                "interval": self.interval,
            },
            headers={"cache-control": "no-store"},
        )

    def _token(self, field: dict[str, str]) -> Response:
        grant_type = field.get("grant_type", "")
        if grant_type == DEVICE_GRANT:
            with self._lock:
                grant = next((g for g in self.grants if g.device_code == field.get("device_code")), None)
                if grant is None or grant.used:
                    return _oauth_error(400, "expired_token", "the device code is unknown or has expired")
                if not grant.approved:
                    return _oauth_error(400, "authorization_pending", "waiting for the user to approve the sign-in")
                grant.used = True
            return self._issue()
        if grant_type == "refresh_token":
            refresh = field.get("refresh_token", "")
            with self._lock:
                known = any(refresh == r for _, r in self.issued) and refresh not in self.revoked
                if known:
                    self.revoked.append(refresh)  # rotating refresh tokens, as Bifrost's
            if not known:
                return _oauth_error(400, "invalid_grant", "the refresh token is unknown or revoked")
            return self._issue()
        return _oauth_error(400, "unsupported_grant_type", f"grant_type {grant_type!r} not supported")

    def _issue(self) -> Response:
        access, refresh = self._jwt(), "ccrt_" + secrets.token_urlsafe(32)
        with self._lock:
            self.issued.append((access, refresh))
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_ttl,
            "refresh_token": refresh,
            "scope": SCOPE,
        }
        return JSONResponse(body, headers={"cache-control": "no-store"})

    def _jwt(self) -> str:
        """A JWT-shaped token (RS256 header, the /claude-code audience); the signature is random."""

        def part(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

        now = int(time.time())
        claims = {"iss": self._gateway.url, "aud": self.base_url, "sub": "vk-test", "iat": now}
        claims |= {"exp": now + self.access_ttl, "scope": SCOPE, "bf_mode": "vk"}
        signature = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
        return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.{signature}"

    def _revoke(self, field: dict[str, str]) -> Response:
        token = field.get("token", "")
        if not token:
            return _oauth_error(400, "invalid_request", "token is required")
        with self._lock:
            self.revoked.append(token)
        return Response(status_code=200)

    def _bearer_denial(self, request: RecordedRequest) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized("sign in to this gateway with /login")
        if not self.live_token(token.strip()):  # a static sk-bf- key is no gateway token either
            return _unauthorized("the gateway session is invalid or expired; sign in again with /login")
        return None

    def _managed_settings(self, request: RecordedRequest) -> Response:
        if self.managed_settings is None:
            return _anthropic_error(404, "not_found_error", "no managed settings are configured on this gateway")
        checksum = settings_checksum(self.managed_settings)
        etag = f'"{checksum}"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"etag": etag})
        body = {"uuid": checksum, "checksum": checksum, "settings": self.managed_settings}
        return JSONResponse(body, headers={"etag": etag})


def _oauth_error(status: int, error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _anthropic_error(status: int, error_type: str, message: str) -> Response:
    return JSONResponse({"type": "error", "error": {"type": error_type, "message": message}}, status_code=status)


def _unauthorized(message: str) -> Response:
    response = _anthropic_error(401, "authentication_error", message)
    response.headers["x-should-retry"] = "false"
    return response
