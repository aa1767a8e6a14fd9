"""Shell completion: ``cbcfg completion SHELL`` prints a script; a TAB offers commands, options, profile
names, target names and backup set ids, without loading the heavy libraries where it can."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claude_bifrost_cfg.cli import COMMANDS
from claude_bifrost_cfg.targets import NAMES
from tests.cli_helpers import KEY, SCRUBBED_ENV, Scratch, write
from tests.test_import_graph import cbcfg_script, heavy_in, imported_modules

TARGETS = list(NAMES)  # every registered target, in the registry's order


def env_for(scratch: Scratch, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in SCRUBBED_ENV}
    env.update({"HOME": str(scratch.root / "real-home"), "CBCFG_HOME": str(scratch.home), **extra})
    return env


def protocol(scratch: Scratch, shell: str, line: str) -> list[str]:
    """What cbcfg answers a shell asking to complete ``line`` (the cursor at its end), the values only."""
    words = line.split()
    if shell in ("fish", "powershell"):  # these send the word being completed, not its index
        incomplete = "" if line.endswith(" ") else words[-1]
        extra = {"COMP_WORDS": line, "COMP_CWORD": incomplete}
    else:
        cword = len(words) if line.endswith(" ") else len(words) - 1
        extra = {"COMP_WORDS": line, "COMP_CWORD": str(cword)}
    extra["_CBCFG_COMPLETE"] = f"{shell}_complete"
    done = subprocess.run(
        [sys.executable, "-m", "claude_bifrost_cfg"],
        env=env_for(scratch, **extra),
        cwd=scratch.project,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout.splitlines()
    if shell == "bash":
        return [item.split(",", 1)[1] for item in out]
    if shell == "zsh":  # type, value, help: three lines per candidate
        return out[1::3]
    if shell == "fish":
        return [item.split(",", 1)[1].split("\t")[0] for item in out]
    return [item.split("\t")[0] for item in out]


def user_profile(scratch: Scratch, name: str) -> None:
    write(scratch.home / ".config" / "cbcfg" / "profiles" / f"{name}.toml", 'description = "x"\n')


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_commands_profiles_targets_and_sets(scratch: Scratch, shell: str) -> None:
    user_profile(scratch, "team")
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    (set_id,) = [p.name for p in (scratch.state_dir / "backups").iterdir()]

    assert protocol(scratch, shell, "cbcfg ") == list(COMMANDS)
    assert protocol(scratch, shell, "cbcfg pro") == ["profiles", "profile"]
    assert "--json" in protocol(scratch, shell, "cbcfg --")
    assert protocol(scratch, shell, "cbcfg apply ") == ["azure", "bedrock", "local", "production", "team", "vertex"]
    assert protocol(scratch, shell, "cbcfg profile set te") == ["team"]
    assert protocol(scratch, shell, "cbcfg profile ") == ["edit", "new", "rm", "set", "unset"]
    assert protocol(scratch, shell, "cbcfg diff local -t ") == TARGETS
    assert protocol(scratch, shell, "cbcfg diff local --target code-") == [t for t in TARGETS if t.startswith("code-")]
    assert protocol(scratch, shell, "cbcfg rollback ") == [set_id]
    assert "team" in protocol(scratch, shell, "cbcfg export ")
    assert "team" in protocol(scratch, shell, "cbcfg doctor -p ")
    assert "team" in protocol(scratch, shell, "cbcfg run ")
    assert protocol(scratch, shell, "cbcfg remove -t code-") == [t for t in TARGETS if t.startswith("code-")]
    assert protocol(scratch, shell, "cbcfg completion ") == ["bash", "zsh", "fish", "powershell"]
    assert "models.opus" in protocol(scratch, shell, "cbcfg profile set team mod")


def test_profile_names_follow_the_home_and_profiles_dir_given(scratch: Scratch, tmp_path: Path) -> None:
    other = tmp_path / "other-home"
    write(other / ".config" / "cbcfg" / "profiles" / "elsewhere.toml", "")
    folder = tmp_path / "extra"
    write(folder / "extra-one.toml", "")
    assert "elsewhere" in protocol(scratch, "bash", f"cbcfg --home {other} show ")
    assert "elsewhere" in protocol(scratch, "bash", f"cbcfg show --home {other} ")
    assert "extra-one" in protocol(scratch, "bash", f"cbcfg show --profiles-dir {folder} ")
    assert "elsewhere" not in protocol(scratch, "bash", "cbcfg show ")


@pytest.mark.parametrize(
    "line",
    ["cbcfg ", "cbcfg --", "cbcfg profile rm ", "cbcfg show ", "cbcfg models -p ", "cbcfg completion "],
)
def test_completion_loads_no_heavy_library(scratch: Scratch, line: str) -> None:
    """Command names come from cli.COMMANDS, profile names from the file system."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    env = env_for(scratch, COMP_WORDS=line, COMP_CWORD=str(cword), _CBCFG_COMPLETE="bash_complete")
    env = {k: v for k, v in env.items() if not k.startswith("PYTHONPROFILEIMPORTTIME")}
    assert heavy_in(imported_modules([sys.executable, "-m", "claude_bifrost_cfg"], env)) == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_completion_prints_the_script(scratch: Scratch, shell: str) -> None:
    result = scratch.cbcfg("completion", shell)
    assert result.exit_code == 0, result.output
    script = result.stdout
    assert "_CBCFG_COMPLETE" in script
    expected = {
        "bash": "complete -o nosort -F _cbcfg_completion cbcfg",
        "zsh": "compdef _cbcfg_completion cbcfg",
        "fish": "complete --no-files --command cbcfg",
        "powershell": "Register-ArgumentCompleter -Native -CommandName cbcfg",
    }[shell]
    assert expected in script


def test_an_unknown_shell_is_a_usage_error(scratch: Scratch) -> None:
    result = scratch.cbcfg("completion", "tcsh")
    assert result.exit_code == 2
    assert "tcsh" in result.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_through_the_printed_script(scratch: Scratch) -> None:
    """The real bash: load the script cbcfg printed, press TAB (call the completion function)."""
    script = cbcfg_script()
    if script is None:
        pytest.skip("no cbcfg console script beside this Python")
    user_profile(scratch, "team")
    source = scratch.cbcfg("completion", "bash").stdout
    program = (
        source
        + "\nCOMP_WORDS=(cbcfg apply te); COMP_CWORD=2; _cbcfg_completion cbcfg; printf '%s\\n' \"${COMPREPLY[@]}\""
        + "\nCOMPREPLY=(); COMP_WORDS=(cbcfg diff team -t code-m); COMP_CWORD=4; _cbcfg_completion cbcfg;"
        + " printf '%s\\n' \"${COMPREPLY[@]}\""
    )
    env = env_for(scratch, PATH=f"{script.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["team", "code-mcp"]
