"""key-mode: the credential reaches Claude Code the way the key mode says (README: Key modes).

- helper: apiKeyHelper runs from any folder within a time bound and prints an ``sk-bf-`` key; the
  key store holds the entry (and a fallback file is 0600 in a 0700 folder).
- header: ANTHROPIC_CUSTOM_HEADERS carries ``x-bf-vk``, the header Bifrost reads first.
- login: forceLoginMethod is in a layer the client honours. The gateway's discovery and device
  authorization endpoints are the ``login`` network check's (checks/login.py), not this one's.

In key mode ``key`` it has nothing to say (key-format judges the key): no row.
"""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..secrets import looks_like_bifrost_key, mask_key
from ..vocabulary import API_KEY_HELPER, CUSTOM_HEADERS_ENV, FORCE_LOGIN_GATEWAY_URL, FORCE_LOGIN_METHOD, VK_HEADER
from .base import CheckResult, Level
from .context import LocalContext

name = "key-mode"
summary = "the key mode's helper, key store, x-bf-vk header or gateway sign-in is in place"
network = False

HELPER_TIMEOUT = 10.0  # seconds: Claude Code gives up on a helper much sooner than a user would
HELPER_SLOW = 1.0  # seconds: run at start and at every refresh, it must be quick
# The row the login helper's network check (checks/login.py) fills: discovery + device authorization.
LOGIN_NETWORK_CHECK = "login"


@dataclass(frozen=True)
class HelperRun:
    key: str | None  # what it printed (stripped), when it exited 0
    seconds: float
    problem: str | None  # one line: why it gave no key


@functools.lru_cache(maxsize=8)
def run_helper(command: str, cwd: str) -> HelperRun:
    """Run an apiKeyHelper command as Claude Code does (a shell, no arguments, another folder)."""
    started = time.monotonic()
    shell = ["cmd.exe", "/d", "/s", "/c", command] if os.name == "nt" else ["/bin/sh", "-c", command]
    try:
        done = subprocess.run(shell, cwd=cwd, capture_output=True, text=True, timeout=HELPER_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return HelperRun(None, HELPER_TIMEOUT, f"did not finish within {HELPER_TIMEOUT:.0f} s")
    except OSError as exc:
        return HelperRun(None, time.monotonic() - started, f"could not start: {exc.strerror}")
    seconds = time.monotonic() - started
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [""])[-1][:300]
        return HelperRun(None, seconds, f"exited {done.returncode}: {said}" if said else f"exited {done.returncode}")
    key = done.stdout.strip()
    return HelperRun(key or None, seconds, None if key else "printed nothing")


def runnable_helper(ctx: LocalContext) -> str | None:
    """The winning apiKeyHelper, when doctor may run it: from user or managed settings or the
    environment, never a project's (a cloned repository's command runs only after the user trusts
    the folder in Claude Code)."""
    effective = ctx.effective.get(API_KEY_HELPER)
    winner = effective.winner if effective else None
    if winner is None or not isinstance(winner.value, str) or not winner.value:
        return None
    return None if winner.layer.startswith("project") else winner.value


def helper_program_missing(command: str) -> str | None:
    """The helper's program when it is an absolute path that no longer exists (moved, uninstalled)."""
    try:
        words = shlex.split(command, posix=os.name != "nt")
    except ValueError:
        return None
    program = words[0] if words else ""
    return program if os.path.isabs(program) and not os.path.exists(program) else None


def run(ctx: LocalContext) -> list[CheckResult]:
    rows: list[CheckResult] = []
    helper = ctx.value(API_KEY_HELPER)
    if isinstance(helper, str) and helper:
        rows += _helper_rows(ctx, helper)
    custom = ctx.value(CUSTOM_HEADERS_ENV)
    if isinstance(custom, str):
        rows += _header_rows(ctx, custom)
    rows += _login_rows(ctx)
    return rows


def _helper_rows(ctx: LocalContext, command: str) -> list[CheckResult]:
    effective = ctx.effective.get(API_KEY_HELPER)
    where = effective.winner.where if effective and effective.winner else "settings"
    if runnable_helper(ctx) is None:
        return [
            CheckResult(
                name,
                Level.INFO,
                f"apiKeyHelper ({where}) is a project's command: doctor does not run it",
                "Claude Code runs it once you trust this folder; check what it does first",
            )
        ]
    fix = "re-apply the profile: cbcfg apply PROFILE --key-mode helper"
    if moved := helper_program_missing(command):
        return [CheckResult(name, Level.FAILED, f"apiKeyHelper ({where}) runs {moved}, which no longer exists", fix)]
    outcome = run_helper(command, str(ctx.layout.home))
    rows = _store_rows(ctx, command)
    if outcome.problem is not None:
        rows.append(
            CheckResult(
                name,
                Level.FAILED,
                f"apiKeyHelper ({where}) {outcome.problem}",
                "store the key: cbcfg key set --profile PROFILE (or unlock the keyring)",
            )
        )
        return rows
    assert outcome.key is not None
    if not looks_like_bifrost_key(outcome.key):
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                f"apiKeyHelper printed {mask_key(outcome.key)}, not a Bifrost virtual key (sk-bf-…)",
                "store the virtual key: cbcfg key set --profile PROFILE",
            )
        )
    elif outcome.seconds > HELPER_SLOW:
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                f"apiKeyHelper printed {mask_key(outcome.key)} but took {outcome.seconds:.2f} s "
                "(Claude Code runs it at start and at every refresh)",
                "check the keyring daemon; the fallback store (CBCFG_KEY_STORE=file) is faster",
            )
        )
    else:
        rows.append(
            CheckResult(
                name, Level.OK, f"apiKeyHelper printed {mask_key(outcome.key)} in {outcome.seconds * 1000:.0f} ms"
            )
        )
    return rows


def _store_rows(ctx: LocalContext, command: str) -> list[CheckResult]:
    """cbcfg's own helper: the entry in the store it names, and the fallback file's permissions."""
    from ..keystore import file_store_mode_problem

    try:
        words = shlex.split(command, posix=os.name != "nt")
    except ValueError:
        return []
    if "--entry" not in words or "--store" not in words:
        return []  # someone else's helper: its output is all doctor can judge
    entry = words[words.index("--entry") + 1] if words.index("--entry") + 1 < len(words) else ""
    store = words[words.index("--store") + 1] if words.index("--store") + 1 < len(words) else ""
    rows = []
    if store == "file" and "--file" in words:
        path = Path(words[words.index("--file") + 1])
        state_dir = path.parent.parent
        if problem := file_store_mode_problem(state_dir, entry):
            rows.append(CheckResult(name, Level.FAILED, problem, f"chmod 600 {path}; chmod 700 {path.parent}"))
        elif path.exists():
            rows.append(CheckResult(name, Level.OK, f"key store: fallback file {path} (0600) holds profile {entry!r}"))
    elif store == "keyring":
        rows.append(CheckResult(name, Level.INFO, f"key store: the OS keyring, entry {entry!r}"))
    return rows


def _header_rows(ctx: LocalContext, custom: str) -> list[CheckResult]:
    from ..layers import custom_header, resolve_credentials

    value = custom_header(custom, VK_HEADER)
    if value is None:
        return []
    credentials = resolve_credentials(ctx.effective)
    read = credentials.read
    rows = []
    own = [c for c in credentials.sent if c.header != VK_HEADER]
    # The client's own sign-in: ~/.claude/.credentials.json (macOS: the Keychain, which cbcfg does not read).
    signed_in = ctx.layout.platform.value == "macos" or (ctx.layout.home / ".claude" / ".credentials.json").exists()
    if not own and not signed_in:
        rows.append(
            CheckResult(
                name,
                Level.WARNING,
                "header mode sends x-bf-vk, but Claude Code has no credential of its own: "
                "it stops with 'Not logged in' (observed, 2.1.332)",
                "sign in with claude /login (or keep your own ANTHROPIC_AUTH_TOKEN), or use --key-mode helper",
            )
        )
    if read is not None and read.header == VK_HEADER:
        return [*rows, CheckResult(name, Level.OK, f"{VK_HEADER} = {mask_key(value)}: the header Bifrost reads first")]
    return [
        *rows,
        CheckResult(
            name,
            Level.WARNING,
            f"{VK_HEADER} in {CUSTOM_HEADERS_ENV} is not what Bifrost will read",
            "check ANTHROPIC_CUSTOM_HEADERS' form: one 'x-bf-vk: sk-bf-…' line",
        ),
    ]


def _login_rows(ctx: LocalContext) -> list[CheckResult]:
    """forceLoginMethod: honoured from managed sources, and from user settings only when the
    machine has no managed source (2.1.332, observed); project layers never."""
    setters = [layer for layer in ctx.layers if layer.values.get(FORCE_LOGIN_METHOD) is not None]
    if not setters:
        return []
    managed = [layer for layer in ctx.layers if layer.name == "managed" and layer.exists]
    rows = []
    for layer in setters:
        url = layer.values.get(FORCE_LOGIN_GATEWAY_URL)
        what = f"{FORCE_LOGIN_METHOD}={layer.values[FORCE_LOGIN_METHOD]!r} ({layer.name} {layer.shown})"
        if layer.name == "managed" or (layer.name == "user" and not managed):
            rows.append(CheckResult(name, Level.OK, f"{what}: honoured; /login offers the Cloud gateway at {url}"))
        elif layer.name == "user":
            rows.append(
                CheckResult(
                    name,
                    Level.FAILED,
                    f"{what}: ignored, because this machine has a managed settings source",
                    "put it in managed settings: cbcfg apply PROFILE --key-mode login --target managed (as root)",
                )
            )
        else:
            rows.append(
                CheckResult(
                    name,
                    Level.WARNING,
                    f"{what}: Claude Code reads it only from managed or user settings",
                    "apply the login mode to --target code or --target managed",
                )
            )
    return rows
