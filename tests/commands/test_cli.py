"""The command line itself: root options before or after the command, the help, no arguments, the
answer "no", the closing advice, and output into a pipe whose reader went away."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from claude_bifrost_cfg.cli import COMMANDS
from claude_bifrost_cfg.targets import ALL
from tests.cli_helpers import KEY, Scratch, read_json, write

# --- root options before or after the command ------------------------------------------------------


def test_home_before_the_command(scratch: Scratch) -> None:
    other = scratch.root / "other-home"
    result = scratch.cbcfg("--home", str(other), "apply", "local", "-t", "code", "--yes", key=KEY)
    assert result.exit_code == 0, result.output
    assert (other / ".claude" / "settings.json").is_file()
    assert not scratch.settings.exists()  # the option beat CBCFG_HOME


def test_home_after_the_command(scratch: Scratch) -> None:
    other = scratch.root / "other-home"
    result = scratch.cbcfg("apply", "local", "-t", "code", "--yes", "--home", str(other), key=KEY)
    assert result.exit_code == 0, result.output
    assert (other / ".claude" / "settings.json").is_file()
    assert not scratch.settings.exists()


def test_after_the_command_wins_over_before(scratch: Scratch) -> None:
    before, after = scratch.root / "before", scratch.root / "after"
    result = scratch.cbcfg(
        "--home", str(before), "apply", "local", "-t", "code", "--yes", "--home", str(after), key=KEY
    )
    assert result.exit_code == 0, result.output
    assert (after / ".claude" / "settings.json").is_file()
    assert not before.exists()


def test_every_root_option_before_the_command(scratch: Scratch) -> None:
    profiles = write(scratch.root / "profiles" / "team.toml", 'extends = "local"\ndescription = "Team"\n').parent
    args = ["--json", "--platform", "windows", "--system-root", str(scratch.system_root)]
    args += ["--profiles-dir", str(profiles), "--project", str(scratch.root)]
    result = scratch.cbcfg(*args, "show", "team", "-t", "managed", "-t", "project-mcp")
    assert result.exit_code == 0, result.output
    data = result.json  # --json before the command
    assert data["profile"] == "team"
    paths = {entry["target"]: entry["path"] for entry in data["files"]}
    assert paths["managed"] == str(scratch.system_root / "Program Files" / "ClaudeCode" / "managed-settings.json")
    assert paths["project-mcp"] == str(scratch.root / ".mcp.json")


@pytest.mark.parametrize("command", ["profiles", "status", "explain", "rollback --list", "doctor --no-network"])
def test_json_before_any_command(scratch: Scratch, command: str) -> None:
    result = scratch.cbcfg("--json", *command.split())
    assert result.exit_code in (0, 8), result.output  # doctor: no gateway set up here, a check fails
    assert result.json["command"] == command.split()[0]


# --- help ---------------------------------------------------------------------------------------

# A type's name where a value should be described (click's TEXT, typer's <str>), or a format field.
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|<(str|int|float|path|bool|text)>|\b(TEXT|INTEGER|FLOAT|PATH|BOOLEAN)\b")


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_has_no_placeholders(scratch: Scratch, command: str) -> None:
    result = scratch.cbcfg(*command.split(), "--help")
    assert result.exit_code == 0, result.output
    assert PLACEHOLDER.search(result.stdout) is None, result.stdout
    assert "..." not in result.stdout.replace("[ARGS]...", "")  # nothing cut short


def test_help_lists_every_command_with_its_whole_summary(scratch: Scratch) -> None:
    text = " ".join(scratch.cbcfg("--help").stdout.split())
    for name, (_, summary) in COMMANDS.items():
        assert f"{name} {summary}" in text


def test_every_command_in_the_table_loads() -> None:
    import click

    from claude_bifrost_cfg.cli import app

    for name in COMMANDS:
        with click.Context(app) as ctx:
            assert app.get_command(ctx, name) is not None


def test_apply_help_lists_the_target_names(scratch: Scratch) -> None:
    out = scratch.cbcfg("apply", "--help").stdout
    listed = re.findall(r"^  (\S+)  ", out.split("Targets:", 1)[1], re.MULTILINE)
    assert listed == list(ALL)


def test_no_arguments_prints_the_help_and_succeeds(scratch: Scratch) -> None:
    for result in (scratch.cbcfg(), scratch.process()):
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("Usage: ")
        assert "apply" in result.stdout and result.stderr == ""


# --- the answer "no" ------------------------------------------------------------------------------


def answered(scratch: Scratch, answer: str, *args: str) -> tuple[int, str]:
    """Run cbcfg with a terminal on stdin, answering the prompt; returns the exit code and stdout+stderr."""
    import pty

    parent, child = pty.openpty()
    try:
        os.write(parent, answer.encode() + b"\n")
        result = scratch.process(*args, key=KEY, stdin_file=child)
    finally:
        os.close(child)
        os.close(parent)
    return result.exit_code, result.output


def test_no_at_the_apply_prompt_is_a_plain_line(scratch: Scratch) -> None:
    before = scratch.tree()
    code, output = answered(scratch, "n", "apply", "local", "-t", "code")
    assert code == 5
    assert "Not applied: nothing was written." in output
    assert "error" not in output
    assert scratch.tree() == before


def test_yes_at_the_apply_prompt_applies(scratch: Scratch) -> None:
    code, output = answered(scratch, "y", "apply", "local", "-t", "code")
    assert code == 0, output
    assert scratch.settings.is_file()


def test_no_at_the_rollback_prompt_is_a_plain_line(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    before = scratch.tree()
    code, output = answered(scratch, "n", "rollback")
    assert code == 5
    assert "Not restored: nothing was written." in output
    assert "error" not in output
    assert scratch.tree() == before


# --- what to restart ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targets", "named", "not_named"),
    [
        (["desktop"], "Restart Claude Desktop", "Claude Code"),
        (["code"], "Claude Code session", "Claude Desktop"),
        (["code-mcp"], "Claude Code session", "Claude Desktop"),
        (["code", "desktop"], "Restart Claude Desktop and start a new Claude Code session", None),
    ],
)
def test_the_closing_message_names_the_clients_whose_files_changed(
    scratch: Scratch, targets: list[str], named: str, not_named: str | None
) -> None:
    args = [arg for name in targets for arg in ("-t", name)]
    result = scratch.cbcfg("apply", "local", *args, "--yes", key=KEY)
    assert result.exit_code == 0, result.output
    closing = result.stdout.splitlines()[-1]
    assert named in closing
    if not_named:
        assert not_named not in closing


def test_only_the_changed_files_count(scratch: Scratch) -> None:
    """Desktop already applied: a second apply of code and desktop changes only Claude Code's file."""
    assert scratch.cbcfg("apply", "local", "-t", "desktop", "--yes", key=KEY).exit_code == 0
    result = scratch.cbcfg("apply", "local", "-t", "code", "-t", "desktop", "--yes", key=KEY)
    closing = result.stdout.splitlines()[-1]
    assert "Claude Code session" in closing and "Desktop" not in closing


# --- a reader that went away ----------------------------------------------------------------------


def closed_pipe() -> int:
    """The write end of a pipe whose read end is already closed: every write fails with EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return write_end


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("args", [("show", "bedrock"), ("show", "bedrock", "--json"), ("--help",), ("status",)])
def test_output_into_a_closed_pipe_ends_quietly(scratch: Scratch, args: tuple[str, ...], buffered: bool) -> None:
    pipe = closed_pipe()
    try:
        result = scratch.process(*args, stdout=pipe, env={"PYTHONUNBUFFERED": None if buffered else "1"})
    finally:
        os.close(pipe)
    assert (result.exit_code, result.stderr) == (0, "")


def test_show_into_head(scratch: Scratch) -> None:
    """``cbcfg show bedrock | head -1``, with the real head."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("BIFROST_", "CBCFG_"))}
    env["CBCFG_HOME"] = str(scratch.home)
    cbcfg = subprocess.Popen(
        [sys.executable, "-m", "claude_bifrost_cfg", "show", "bedrock"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=scratch.project,
    )
    assert cbcfg.stdout is not None and cbcfg.stderr is not None
    head = subprocess.run(["head", "-1"], stdin=cbcfg.stdout, capture_output=True, check=True, timeout=20)
    cbcfg.stdout.close()
    assert cbcfg.wait(timeout=20) == 0
    assert cbcfg.stderr.read() == b""
    assert head.stdout.decode().startswith("Profile bedrock")


def test_apply_into_a_closed_pipe_still_writes_everything(scratch: Scratch) -> None:
    """Unbuffered, the plan's first line already fails: the write goes ahead, whole."""
    pipe = closed_pipe()
    try:
        result = scratch.process(
            "apply",
            "local",
            "--yes",
            "--desktop-mcp",
            "url",
            "-t",
            "code",
            "-t",
            "desktop",
            key=KEY,
            stdout=pipe,
            env={"PYTHONUNBUFFERED": "1"},
        )
    finally:
        os.close(pipe)
    assert (result.exit_code, result.stderr) == (0, "")
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == KEY
    assert read_json(scratch.desktop)["mcpServers"]["bifrost"]["headers"]["Authorization"] == f"Bearer {KEY}"
    check = scratch.cbcfg("apply", "local", "--check", "--desktop-mcp", "url", "-t", "code", "-t", "desktop", key=KEY)
    assert check.exit_code == 0, check.output  # nothing pending: the records were saved too
    assert len(list((scratch.state_dir / "backups").iterdir())) == 1


def test_apply_into_head(scratch: Scratch, tmp_path: Path) -> None:
    """``cbcfg apply local --yes | head -1``: head reads one line and goes; the apply completes."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("BIFROST_", "CBCFG_"))}
    env.update(CBCFG_HOME=str(scratch.home), BIFROST_VIRTUAL_KEY=KEY, PYTHONUNBUFFERED="1")
    cbcfg = subprocess.Popen(
        [sys.executable, "-m", "claude_bifrost_cfg", "apply", "local", "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=scratch.project,
    )
    assert cbcfg.stdout is not None and cbcfg.stderr is not None
    subprocess.run(["head", "-1"], stdin=cbcfg.stdout, capture_output=True, check=True, timeout=20)
    cbcfg.stdout.close()
    assert cbcfg.wait(timeout=20) == 0
    assert cbcfg.stderr.read() == b""
    assert scratch.cbcfg("apply", "local", "--check", key=KEY).exit_code == 0
