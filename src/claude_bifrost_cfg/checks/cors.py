"""cors: a browser-style preflight shows whether Bifrost lets Claude Desktop's requests through.

Only browser-based clients need CORS: Claude Desktop's Code and Cowork tabs (third-party inference)
send their requests from a web page. Claude Code, the CLI, is no browser and is never affected, so
this check is at most a warning. The preflight's answer is judged as a browser judges it (Fetch
standard): a listed header is allowed; `*` stands for every header when the answer does not allow
credentials, and is a header literally named "*" when it does.

What Bifrost answers (transports/bifrost-http/handlers/middlewares.go): its built-in list plus
`client.allowed_headers`; with "*" in that setting, `*` for an origin matched only by the
`allowed_origins` wildcard (no credentials), else the request's own Access-Control-Request-Headers
echoed back (with credentials). Older versions appended a literal "*" to the list, with credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from claude_bifrost_cfg.checks.base import CheckResult, Level, NetworkContext
from claude_bifrost_cfg.checks.claude_headers import PREFLIGHT_HEADERS

if TYPE_CHECKING:
    import httpx

name = "cors"
summary = "the gateway's CORS preflight allows every header Claude Desktop's Code/Cowork tabs send"
network = True

ORIGIN = "https://claude.ai"
CLIENT = "Claude Desktop's Code/Cowork tabs"
_NOT_CLI = "Claude Code, the CLI, needs no CORS"
_SETTING = "Bifrost's client.allowed_headers"


def run(ctx: NetworkContext, client: httpx.Client) -> list[CheckResult]:
    response = client.options(
        ctx.url("/anthropic/v1/messages"),
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": ",".join(PREFLIGHT_HEADERS),
        },
    )
    if response.status_code >= 400 or not response.headers.get("access-control-allow-origin"):
        return [
            CheckResult(
                name,
                Level.WARNING,
                f"the gateway refused a CORS preflight from {ORIGIN} (HTTP {response.status_code}): "
                f"{CLIENT} cannot use it; {_NOT_CLI}",
                f"add {ORIGIN} to Bifrost's client.allowed_origins",
            )
        ]
    credentialed = response.headers.get("access-control-allow-credentials", "").strip().lower() == "true"
    allowed = {h.strip().lower() for h in response.headers.get("access-control-allow-headers", "").split(",")}
    missing = [h for h in PREFLIGHT_HEADERS if not allows(allowed, h, credentialed=credentialed)]
    if not missing:
        how = "any header (*)" if "*" in allowed and not credentialed else f"all {len(PREFLIGHT_HEADERS)} headers"
        return [CheckResult(name, Level.OK, f"CORS allows {how} {CLIENT} send")]
    if "*" in allowed:  # a literal "*" beside credentials: setting "*" again would change nothing
        fix = (
            "upgrade Bifrost (newer versions echo the requested headers), "
            f"or list these in {_SETTING}: {', '.join(missing)}"
        )
        said = 'answers "*" with Access-Control-Allow-Credentials: true, which browsers read as a header named "*"'
        message = f"CORS {said}: {len(missing)} headers {CLIENT} send are not allowed: {_compact(missing)}"
    else:
        fix = f'set {_SETTING} to ["*"], or add to it: {", ".join(missing)}'
        message = f"CORS does not allow {len(missing)} headers {CLIENT} send: {_compact(missing)}"
    return [CheckResult(name, Level.WARNING, f"{message}; {_NOT_CLI}", fix)]


def allows(allowed: set[str], header: str, *, credentialed: bool) -> bool:
    """Whether a browser lets a request carry `header` after this Access-Control-Allow-Headers answer."""
    return header in allowed or ("*" in allowed and not credentialed)


def _compact(headers: list[str]) -> str:
    """x-stainless-a, x-stainless-b, … shown as x-stainless-* (n)."""
    stainless = [h for h in headers if h.startswith("x-stainless-")]
    shown = [h for h in headers if not h.startswith("x-stainless-")]
    if len(stainless) > 1:
        shown.append(f"x-stainless-* ({len(stainless)})")
    else:
        shown += stainless
    return ", ".join(shown)
