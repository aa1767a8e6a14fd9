"""Running Claude Code with a profile in effect for that one process, writing nothing global.

The profile's settings (the ``code`` target's fragment: gateway URL, key, model pins, extra env
and settings) go in a temporary settings file handed to the client with ``--settings FILE``, and
its MCP entry (the ``code-mcp`` fragment) in a file given with ``--mcp-config FILE``. Both sit in
a private folder (0700, files 0600) that is removed once the client has ended, also when cbcfg is
told to stop: the key is never on a command line and never where another account can read it.
Nothing under the home, Claude Desktop's files or cbcfg's records is touched.

The client's exit status is cbcfg's (killed by signal N: 128 + N, as shells report it).
SIGINT, SIGTERM and SIGHUP sent to cbcfg are passed on to the client; those a terminal sends
reach the client by themselves (it is in the same foreground process group) and are not sent twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .desired import Fragment
from .errors import NotFoundError
from .fsio import SECRET_MODE
from .jsondoc import pointer_to_path
from .source import Source
from .targets import get_target

CLIENT = "claude"
SETTINGS_FLAG = "--settings"  # Claude Code: "Settings file or JSON string to load more settings from"
MCP_CONFIG_FLAG = "--mcp-config"  # Claude Code: "Load MCP servers from JSON files or strings"
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP) if hasattr(signal, "SIGHUP") else (signal.SIGINT,)
INSTALL_HINT = "install Claude Code (npm install -g @anthropic-ai/claude-code), or name the program with --command PATH"


def find_client(command: str | None, env: Mapping[str, str]) -> str:
    """The program to start: ``command`` (a path, or a name on PATH), else ``claude`` on PATH."""
    name = command or CLIENT
    found = shutil.which(name, path=env.get("PATH"))
    if found is None:
        where = "is not an executable program" if os.sep in name else "is not on PATH"
        raise NotFoundError(f"{name} {where}", INSTALL_HINT)
    return found


def document_of(fragment: Fragment) -> dict[str, Any]:
    """The fragment's pointers as one JSON document (what the file would hold if cbcfg created it)."""
    tree: dict[str, Any] = {}
    for pointer, value in fragment.wanted.items():
        parts = pointer_to_path(pointer)
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def client_files(source: Source) -> dict[str, dict[str, Any]]:
    """What the client is handed, per flag: the settings, and the MCP servers (if the profile has one)."""
    files = {SETTINGS_FLAG: document_of(get_target("code").fragment(source))}
    servers = document_of(get_target("code-mcp").fragment(source))
    if servers:
        files[MCP_CONFIG_FLAG] = servers
    return files


@contextlib.contextmanager
def private_folder() -> Iterator[Path]:
    """A folder only this account can enter (0700), removed with everything in it afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="cbcfg-run-"))
    try:
        os.chmod(folder, 0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_private(path: Path, document: Mapping[str, Any]) -> None:
    """A new file, 0600 from the first byte (created with that mode, never widened)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def client_argv(program: str, files: Mapping[str, Path], args: Sequence[str]) -> list[str]:
    """``--mcp-config`` takes several values: ``--settings`` after it ends the list before ARGS."""
    argv = [program]
    for flag in (MCP_CONFIG_FLAG, SETTINGS_FLAG):
        if flag in files:
            argv += [flag, str(files[flag])]
    return [*argv, *args]


def exit_status(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


@contextlib.contextmanager
def signals_held() -> Iterator[frozenset[int]]:
    """Block the forwarded signals (and SIGCHLD) for the whole run, so that none can end cbcfg before
    its private folder is removed; they are taken with ``sigwaitinfo`` instead. What is still
    pending at the end is consumed before the old mask comes back."""
    watched = frozenset({*FORWARDED, signal.SIGCHLD})
    old = signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    try:
        yield frozenset(old)
    finally:
        while signal.sigtimedwait(watched, 0) is not None:
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def wait_forwarding(child: subprocess.Popen[bytes]) -> int:
    """Wait for the child, passing on every forwarded signal that was sent to cbcfg by a process
    (``si_pid`` set); one from the terminal (the kernel: ``si_pid`` 0) reached the child already."""
    watched = {*FORWARDED, signal.SIGCHLD}
    while True:
        code = child.poll()
        if code is not None:
            return code
        info = signal.sigwaitinfo(watched)
        if info.si_signo != signal.SIGCHLD and info.si_pid != 0:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(info.si_signo)


def run_client(
    program: str, args: Sequence[str], env: Mapping[str, str], files: Mapping[str, Mapping[str, Any]]
) -> int:
    """Start the client with ``files`` written in a private folder, wait for it, remove the folder;
    the client's exit status."""
    if not hasattr(signal, "sigwaitinfo"):  # macOS, Windows: no sender to tell a terminal's signal by
        return _run_with_handlers(program, args, env, files)
    with signals_held() as old_mask, private_folder() as folder:
        argv = client_argv(program, _write_all(folder, files), args)

        def unblock() -> None:  # the child starts with the mask cbcfg had
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)

        child = _start(argv, env, preexec_fn=unblock)
        return exit_status(wait_forwarding(child))


def _run_with_handlers(
    program: str, args: Sequence[str], env: Mapping[str, str], files: Mapping[str, Mapping[str, Any]]
) -> int:
    """Where ``sigwaitinfo`` is missing: SIGTERM and SIGHUP passed on by handlers; SIGINT ignored
    (Ctrl-C reaches the client from the terminal by itself)."""
    with private_folder() as folder:
        child = _start(client_argv(program, _write_all(folder, files), args), env)

        def forward(signo: int, frame: object) -> None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signo)

        previous = {
            signo: signal.signal(signo, forward if signo != signal.SIGINT else signal.SIG_IGN) for signo in FORWARDED
        }
        try:
            return exit_status(child.wait())
        finally:
            for signo, handler in previous.items():
                signal.signal(signo, handler)


def _start(argv: Sequence[str], env: Mapping[str, str], **options: Any) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(list(argv), env=dict(env), **options)
    except OSError as exc:
        raise NotFoundError(f"{argv[0]}: cannot start it ({exc.strerror or exc})", INSTALL_HINT) from None


def _write_all(folder: Path, files: Mapping[str, Mapping[str, Any]]) -> dict[str, Path]:
    paths = {}
    for flag, document in files.items():
        path = folder / ("settings.json" if flag == SETTINGS_FLAG else "mcp.json")
        write_private(path, document)
        paths[flag] = path
    return paths


def launch(source: Source, command: str | None, args: Sequence[str], env: Mapping[str, str]) -> int:
    """``cbcfg run``: the client with the profile in effect for that one process; its exit status."""
    program = find_client(command, env)
    return run_client(program, args, env, client_files(source))
