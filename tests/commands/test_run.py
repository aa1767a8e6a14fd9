"""cbcfg run: the client (here a small script given with --command) gets the profile through a private
temporary --settings file, gone afterwards; its exit status and signals pass through; nothing global
is written; the key is never in its argv."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import KEY, SCRUBBED_ENV, Scratch

# Records what it was started with, then exits with CHILD_EXIT, or waits for a signal (CHILD_WAIT).
CHILD = """\
import json, os, signal, stat, sys, time
args = sys.argv[1:]
settings = args[args.index("--settings") + 1]
mcp = args[args.index("--mcp-config") + 1] if "--mcp-config" in args else None
report = {
    "argv": sys.argv,
    "settings": settings,
    "settings_document": json.load(open(settings)),
    "mcp_document": json.load(open(mcp)) if mcp else None,
    "file_mode": stat.S_IMODE(os.stat(settings).st_mode),
    "folder_mode": stat.S_IMODE(os.stat(os.path.dirname(settings)).st_mode),
    "environment_key": os.environ.get("BIFROST_VIRTUAL_KEY"),
}
out = os.environ["CHILD_REPORT"]
received = []
def done(signo, frame):
    received.append(signo)
    with open(out + ".signal", "w") as handle:
        handle.write(" ".join(map(str, received)))
    if os.environ.get("CHILD_WAIT") != "count":
        sys.exit(40 + signo)
for signo in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(signo, done)
with open(out + ".tmp", "w") as handle:
    json.dump(report, handle)
os.rename(out + ".tmp", out)
if os.environ.get("CHILD_WAIT"):
    if os.environ["CHILD_WAIT"] == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    for _ in range(600):
        time.sleep(0.1)
        if received and os.environ["CHILD_WAIT"] == "count":
            time.sleep(1)  # a second copy of the signal would arrive meanwhile
            sys.exit(40 + len(received))
sys.exit(int(os.environ.get("CHILD_EXIT", "0")))
"""


@pytest.fixture
def child(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The client stand-in, and where it writes its report: outside the scratch machine."""
    folder = tmp_path_factory.mktemp("client")
    script = folder / "claude"
    script.write_text(f"#!{sys.executable}\n{CHILD}")
    script.chmod(0o755)
    return script, folder / "report.json"


def test_the_client_gets_the_profile_and_its_exit_code_is_cbcfgs(scratch: Scratch, child: tuple[Path, Path]) -> None:
    script, report_path = child
    before = scratch.tree()
    result = scratch.process(
        "run", "bedrock", "--command", str(script), "--", "-p", "say hi",
        key=KEY, env={"CHILD_REPORT": str(report_path), "CHILD_EXIT": "3"},
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    report = json.loads(report_path.read_text())
    assert report["argv"][-2:] == ["-p", "say hi"]
    assert not any(KEY in arg or KEY[-12:] in arg for arg in report["argv"])  # never on a command line
    env = report["settings_document"]["env"]
    assert env["ANTHROPIC_API_KEY"] == KEY and env["ANTHROPIC_BASE_URL"] == "http://localhost:8080/anthropic"
    assert env["ANTHROPIC_DEFAULT_SONNET_MODEL"] == "bedrock/global.anthropic.claude-sonnet-4-6"
    assert report["mcp_document"]["mcpServers"]["bifrost"]["headers"] == {"Authorization": f"Bearer {KEY}"}
    assert report["file_mode"] == 0o600 and report["folder_mode"] == 0o700
    assert not Path(report["settings"]).exists() and not Path(report["settings"]).parent.exists()
    assert scratch.tree() == before  # nothing written: no settings, no records, no backups


def test_the_key_in_place_is_used(scratch: Scratch, child: tuple[Path, Path]) -> None:
    script, report_path = child
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    before = scratch.tree()
    result = scratch.process("run", "local", "--command", str(script), env={"CHILD_REPORT": str(report_path)})
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    assert report["settings_document"]["env"]["ANTHROPIC_API_KEY"] == KEY and report["environment_key"] is None
    assert scratch.tree() == before


def start(
    scratch: Scratch, script: Path, report_path: Path, wait: str, terminal: int | None = None
) -> subprocess.Popen[str]:
    env = {name: value for name, value in os.environ.items() if name not in SCRUBBED_ENV}
    env.update(
        HOME=str(scratch.root / "real-home"),
        CBCFG_HOME=str(scratch.home),
        BIFROST_VIRTUAL_KEY=KEY,
        CHILD_REPORT=str(report_path),
        CHILD_WAIT=wait,
    )
    command = [sys.executable, "-m", "claude_bifrost_cfg", "run", "local", "--command", str(script)]
    if terminal is None:
        return subprocess.Popen(command, env=env, cwd=scratch.project, stderr=subprocess.PIPE, text=True)

    def controlling_terminal() -> None:  # a session of its own, with the terminal as a shell gives it
        os.setsid()
        fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)

    return subprocess.Popen(
        command, env=env, cwd=scratch.project, stdin=terminal, stdout=terminal, stderr=subprocess.PIPE,
        text=True, preexec_fn=controlling_terminal,
    )  # fmt: skip


def ready(report_path: Path) -> dict[str, Any]:
    for _ in range(300):
        if report_path.exists():
            data: dict[str, Any] = json.loads(report_path.read_text())
            return data
        time.sleep(0.1)
    raise AssertionError("the client never started")


@pytest.mark.parametrize("signo", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signals_are_passed_on_and_the_folder_goes(
    scratch: Scratch, child: tuple[Path, Path], signo: signal.Signals
) -> None:
    script, report_path = child
    before = scratch.tree()
    process = start(scratch, script, report_path, "wait")
    report = ready(report_path)
    process.send_signal(signo)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 40 + signo, stderr  # the client's own status after the signal
    assert Path(str(report_path) + ".signal").read_text() == str(int(signo))
    assert not Path(report["settings"]).parent.exists()
    assert "Traceback" not in stderr
    assert scratch.tree() == before


def test_ctrl_c_at_the_terminal_reaches_the_client_once(scratch: Scratch, child: tuple[Path, Path]) -> None:
    """The terminal sends SIGINT to its whole foreground group, cbcfg and the client: passing it on
    as well would make it two (Claude Code exits on a second Ctrl-C)."""
    script, report_path = child
    main, terminal = pty.openpty()
    try:
        process = start(scratch, script, report_path, "count", terminal)
        report = ready(report_path)
        os.write(main, b"\x03")  # Ctrl-C typed at the terminal
        _, stderr = process.communicate(timeout=30)
    finally:
        os.close(terminal)
        os.close(main)
    assert Path(str(report_path) + ".signal").read_text() == str(int(signal.SIGINT))
    assert process.returncode == 41, stderr  # the client saw one SIGINT
    assert not Path(report["settings"]).parent.exists()


def test_a_client_killed_by_a_signal_is_128_plus_n(scratch: Scratch, child: tuple[Path, Path]) -> None:
    script, report_path = child
    process = start(scratch, script, report_path, "die")
    process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGKILL
    assert not Path(ready(report_path)["settings"]).parent.exists()


def test_no_claude_on_path_is_one_line_and_exit_9(scratch: Scratch, tmp_path_factory: pytest.TempPathFactory) -> None:
    empty = tmp_path_factory.mktemp("empty-path")
    result = scratch.process("run", "local", key=KEY, env={"PATH": str(empty)})
    assert result.exit_code == 9
    assert result.error_line() == (
        "cbcfg: error: claude is not on PATH — install Claude Code (npm install -g @anthropic-ai/claude-code), "
        "or name the program with --command PATH"
    )


def test_no_key_is_a_warning_and_none_is_written(scratch: Scratch, child: tuple[Path, Path]) -> None:
    script, report_path = child
    result = scratch.process("run", "local", "--command", str(script), env={"CHILD_REPORT": str(report_path)})
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("cbcfg: warning: no virtual key given (set BIFROST_VIRTUAL_KEY")
    env = json.loads(report_path.read_text())["settings_document"]["env"]
    assert "ANTHROPIC_API_KEY" not in env and env["ANTHROPIC_BASE_URL"] == "http://localhost:8080/anthropic"


def test_an_unknown_profile_starts_nothing(scratch: Scratch, child: tuple[Path, Path]) -> None:
    script, report_path = child
    result = scratch.process("run", "nosuch", "--command", str(script), env={"CHILD_REPORT": str(report_path)})
    assert result.exit_code == 4 and result.error_line().startswith("cbcfg: error: no profile named 'nosuch'")
    assert not report_path.exists()


def test_a_program_that_cannot_start_is_one_line(scratch: Scratch, tmp_path_factory: pytest.TempPathFactory) -> None:
    broken = tmp_path_factory.mktemp("broken") / "claude"
    broken.write_text("#!/no/such/interpreter\n")
    broken.chmod(0o755)
    result = scratch.process("run", "local", "--command", str(broken), key=KEY)
    assert result.exit_code == 9
    assert result.error_line().startswith(f"cbcfg: error: {broken}: cannot start it (No such file or directory)")
