"""What Claude Code's interactive start will do with the gateway credential, read from the client's
own files (README: Key modes, First run). Observed with the real client 2.1.332 under tmux
(tests/e2e/test_first_run.py):

- ``ANTHROPIC_API_KEY`` is used by an interactive session only once approved: the client asks
  "Detected a custom API key" (preselected "No (recommended)": Enter rejects it) and keeps the answer
  in ``~/.claude.json`` ``customApiKeyResponses`` as the key's last 20 characters. A rejected key is
  not sent. ``ANTHROPIC_AUTH_TOKEN`` and ``apiKeyHelper`` are never asked about.
- A claude.ai login (``~/.claude/.credentials.json`` ``claudeAiOauth``) is sent instead, as
  ``Authorization: Bearer``, when the key is not approved; an approved key, the Bearer variable or
  the helper wins over it.

Only cheap reads: ``~/.claude.json`` may be tens of megabytes (its ``projects`` history), so only
the members needed here are decoded, and after an apply that planned that file they are taken from
its plan (``CLIENT_MEMBERS`` are among what it decodes) rather than read again. Nothing here writes,
and no token is ever returned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .jsondoc import JsonDocError, parse_document
from .vocabulary import API_KEY_ENV, AUTH_TOKEN_ENV

if TYPE_CHECKING:
    from .workflow import ApplyResult

CREDENTIALS = ".credentials.json"  # in ~/.claude: the client's sign-ins (Linux, Windows; macOS: the Keychain)
APPROVAL_CHARS = 20  # customApiKeyResponses keeps key.trim().slice(-20)
RESPONSES = "customApiKeyResponses"
ONBOARDED = "hasCompletedOnboarding"
CLIENT_MEMBERS = {RESPONSES: None, ONBOARDED: None}  # the top-level members read here

Approval = Literal["approved", "rejected", "new"]


@dataclass(frozen=True)
class ClientState:
    """The members of ``~/.claude.json`` the first start depends on."""

    path: Path
    exists: bool
    approved: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    onboarded: bool = False
    problem: str | None = None  # one line: why the file could not be read

    def approval(self, key: str) -> Approval:
        """The client's answer for this ANTHROPIC_API_KEY: approved wins, as in the client."""
        tail = approval_tail(key)
        if tail in self.approved:
            return "approved"
        return "rejected" if tail in self.rejected else "new"


@dataclass(frozen=True)
class SignIns:
    """Which of the client's own sign-ins ``~/.claude/.credentials.json`` holds (never a token)."""

    path: Path
    claude_ai: bool = False  # claudeAiOauth with a token
    gateway: bool = False  # enterpriseGateway: the gateway sign-in (login mode)
    problem: str | None = None


def approval_tail(key: str) -> str:
    return key.strip()[-APPROVAL_CHARS:]


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def read_client_state(path: Path) -> ClientState:
    """``~/.claude.json`` (or ``$CLAUDE_CONFIG_DIR/.claude.json``: ``Layout.claude_json``)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ClientState(path, exists=False)
    except OSError as exc:
        return ClientState(path, exists=True, problem=f"cannot read it: {exc}")
    try:
        document = parse_document(data, keep=CLIENT_MEMBERS)  # bytes, a view at a time: no 4-byte str
    except JsonDocError as exc:
        what = "cannot read it" if exc.reason.startswith("not valid UTF-8") else "not valid JSON"
        return ClientState(path, exists=True, problem=f"{what}: {exc}")
    del data
    return client_state(path, document.values)


def client_state(path: Path, values: dict[str, Any]) -> ClientState:
    """The state from the file's decoded top-level members (``CLIENT_MEMBERS`` at least)."""
    responses = values.get(RESPONSES)
    responses = responses if isinstance(responses, dict) else {}
    return ClientState(
        path,
        exists=True,
        approved=_strings(responses.get("approved")),
        rejected=_strings(responses.get("rejected")),
        onboarded=values.get(ONBOARDED) is True,
    )


def _state_from_plan(result: ApplyResult) -> ClientState | None:
    """The state as apply's plan read it, when it planned ``~/.claude.json`` (cbcfg never writes
    these members: what it read is what the file holds)."""
    path = result.request.layout.claude_json
    for item in result.planned:
        document = item.current.document
        if item.current.path != path or document is None:
            continue
        if document.kept is None or set(CLIENT_MEMBERS) <= document.kept:
            return client_state(path, document.values)
    return None


def read_sign_ins(claude_dir: Path) -> SignIns:
    """``~/.claude/.credentials.json`` (``Layout.claude_dir``)."""
    path = claude_dir / CREDENTIALS
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return SignIns(path)
    except (OSError, ValueError) as exc:
        return SignIns(path, problem=f"cannot read it: {type(exc).__name__}")  # never echo its text
    if not isinstance(data, dict):
        return SignIns(path)
    oauth = data.get("claudeAiOauth")
    claude_ai = isinstance(oauth, dict) and any(
        isinstance(oauth.get(name), str) and oauth.get(name) for name in ("accessToken", "refreshToken")
    )
    gateway = isinstance(data.get("enterpriseGateway"), dict)
    return SignIns(path, claude_ai=claude_ai, gateway=gateway)


def apply_notes(result: ApplyResult) -> list[str]:
    """apply's note after writing ANTHROPIC_API_KEY (human output): the one-time choice the client
    will ask for (or the answer it already holds), and the variable that needs none. Writes nothing."""
    source = result.request.source
    if source.key_mode != "key" or source.key_env != API_KEY_ENV or not source.key:
        return []
    if not result.applied:
        return []
    if all(target.name == "desktop" for target in result.request.targets):
        return []  # Claude Desktop asks nothing about the key
    state = _state_from_plan(result) or read_client_state(result.request.layout.claude_json)
    approval = state.approval(source.key) if state.problem is None else "new"
    bearer = f'key_env = "{AUTH_TOKEN_ENV}" in the profile\'s [gateway] (Bearer: no prompt, no approval)'
    if approval == "approved":
        return []
    if approval == "rejected":
        return [
            f"Claude Code rejected this {API_KEY_ENV} before (~/.claude.json): an interactive session will not "
            f"send it — turn on 'Use custom API key' in claude's /config, or use {bearer}"
        ]
    return [
        f"the next interactive Claude Code session asks once 'Detected a custom API key … Do you want to use "
        f"this API key?' with 'No (recommended)' preselected: choose Yes (Up, then Enter) — Enter alone "
        f"rejects it for good; or use {bearer}"
    ]
