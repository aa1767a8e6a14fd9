"""first-run: what Claude Code's interactive start will do with the gateway credential (README: Key
modes, First run; observed with the real client 2.1.332, tests/e2e/test_first_run.py).

- ``ANTHROPIC_API_KEY``'s answer in ``~/.claude.json`` (approved / rejected / not yet asked).
- A claude.ai login in ``~/.claude/.credentials.json`` competing with the gateway credential, and
  which one the client sends.
- Onboarding not completed: the prompts of the first start.

Keys are masked; the claude.ai tokens are never read beyond "there is one".
"""

from __future__ import annotations

from ..first_run import ClientState, SignIns, read_client_state, read_sign_ins
from ..layout import display_path
from ..secrets import mask_key
from ..vocabulary import API_KEY_ENV, API_KEY_HELPER, AUTH_TOKEN_ENV, CUSTOM_HEADERS_ENV
from .base import CheckResult, Level
from .context import LocalContext
from .login import login_settings

name = "first-run"
summary = "Claude Code's interactive start sends the gateway credential: key approved, no competing claude.ai login"
network = False

BEARER_FIX = f'use key_env = "{AUTH_TOKEN_ENV}" in the profile (Bearer: never asked about), or --key-mode helper'


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def run(ctx: LocalContext) -> list[CheckResult]:
    api_key = _text(ctx.value(API_KEY_ENV))
    token = _text(ctx.value(AUTH_TOKEN_ENV))
    helper = _text(ctx.value(API_KEY_HELPER))
    header = _text(ctx.value(CUSTOM_HEADERS_ENV))
    login = login_settings(ctx.layers).required  # as the client honours forceLoginMethod
    if not (api_key or token or helper or header or login):
        return []  # Claude Code is not set up for a gateway: nothing to judge
    home = ctx.layout.home
    state = read_client_state(ctx.layout.claude_json)
    sign_ins = read_sign_ins(ctx.layout.claude_dir)
    shown = display_path(state.path, home)
    rows: list[CheckResult] = []
    if state.problem:
        rows.append(
            CheckResult(
                name, Level.WARNING, f"{shown}: {state.problem}", "let Claude Code rewrite it: start claude once"
            )
        )
    approval = state.approval(api_key) if api_key and not token else None
    if approval is not None:
        rows.append(_approval_row(api_key or "", approval, shown, sign_ins))
    rows += _sign_in_rows(sign_ins, approval=approval, bearer=bool(token or helper), header=bool(header), login=login)
    rows += _onboarding_rows(state, shown, approval)
    return rows


def _approval_row(key: str, approval: str, shown: str, sign_ins: SignIns) -> CheckResult:
    what = f"{API_KEY_ENV} ({mask_key(key)})"
    if approval == "approved":
        return CheckResult(name, Level.OK, f"{what} is approved in {shown}: interactive sessions send it")
    instead = "the claude.ai login instead" if sign_ins.claude_ai else "nothing ('Not logged in · Please run /login')"
    if approval == "rejected":
        return CheckResult(
            name,
            Level.FAILED,
            f"{what} was rejected at Claude Code's 'Detected a custom API key' prompt ({shown}): "
            f"interactive sessions do not send it, they send {instead} (observed, 2.1.332)",
            f"turn on 'Use custom API key' in claude's /config; or {BEARER_FIX}",
        )
    return CheckResult(
        name,
        Level.WARNING,
        f"{what} is not yet approved: the next interactive session asks 'Detected a custom API key' with "
        f"'No (recommended)' preselected — Enter rejects it, and then it sends {instead} (observed, 2.1.332)",
        f"choose Yes at that prompt (Up, then Enter); or {BEARER_FIX}",
    )


def _sign_in_rows(
    sign_ins: SignIns, *, approval: str | None, bearer: bool, header: bool, login: bool
) -> list[CheckResult]:
    if sign_ins.problem:
        return [CheckResult(name, Level.WARNING, f"~/.claude/{sign_ins.path.name}: {sign_ins.problem}", "")]
    if not sign_ins.claude_ai:
        return []
    where = "a claude.ai login (~/.claude/.credentials.json)"
    logout = "sign out of claude.ai: claude /logout"
    if login:
        return [
            CheckResult(
                name,
                Level.FAILED,
                f"{where} is in place: Claude Code uses it and sends nothing to the gateway — forceLoginMethod "
                "does not replace an existing claude.ai login (observed, 2.1.332, user settings)",
                f"{logout}, then /login picks the Cloud gateway",
            )
        ]
    if bearer:
        return [
            CheckResult(
                name,
                Level.INFO,
                f"{where} is in place; the gateway credential ({AUTH_TOKEN_ENV} or apiKeyHelper) wins and the "
                "login is not sent (observed, 2.1.332)",
            )
        ]
    if approval == "approved":
        return [
            CheckResult(
                name,
                Level.WARNING,
                f"{where} competes with {API_KEY_ENV}: the key wins (observed), and every start warns "
                "'Both claude.ai and ANTHROPIC_API_KEY set · auth may not work as expected'",
                f"{logout}; or {BEARER_FIX}",
            )
        ]
    if approval in ("rejected", "new"):
        return [
            CheckResult(
                name,
                Level.FAILED if approval == "rejected" else Level.WARNING,
                f"{where}: while {API_KEY_ENV} is not approved, Claude Code sends the claude.ai token to the gateway "
                "as Authorization: Bearer, which Bifrost refuses (observed: 401 'virtual key is required')",
                f"{logout}, or approve the key; or {BEARER_FIX}",
            )
        ]
    if header:
        return [
            CheckResult(
                name,
                Level.INFO,
                f"{where} is in place: in header mode its token goes to the gateway in Authorization beside "
                "x-bf-vk, which Bifrost reads first (observed, 2.1.332)",
            )
        ]
    return []


def _onboarding_rows(state: ClientState, shown: str, approval: str | None) -> list[CheckResult]:
    if state.onboarded or state.problem:
        return []
    if approval == "new":
        return [
            CheckResult(
                name,
                Level.WARNING,
                f"Claude Code's onboarding is not completed ({shown}): with {API_KEY_ENV} not yet approved, the "
                "first interactive start checks api.anthropic.com and stops where only the gateway is reachable "
                "('Unable to connect to Anthropic services', observed)",
                BEARER_FIX,
            )
        ]
    return [
        CheckResult(
            name,
            Level.INFO,
            f"Claude Code's onboarding is not completed ({shown}): the first interactive start shows the theme, "
            "the security notes, then the folder trust prompt, where Enter answers 'No, exit'",
            "choose 'Yes, I trust this folder' (Down, then Enter) in a folder you trust",
        )
    ]
