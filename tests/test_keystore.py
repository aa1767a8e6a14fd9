"""The key store and the key helper, on real stores: the 0600 fallback file, and the OS keyring as
gnome-keyring's Secret Service on a private D-Bus bus (tests/support/secret_service.py).

The helper and the store probe run as separate processes, as Claude Code and cbcfg run them: the
keyring library picks its backend once per process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from claude_bifrost_cfg.keystore import (
    Store,
    delete_key,
    drop_key_from_backups,
    helper_arguments,
    helper_program,
    key_file,
    known_entries,
    quote_command,
    read_key,
    write_key,
)
from tests.cli_helpers import KEY, OTHER_KEY
from tests.support.secret_service import secret_service

FILE_STORE = Store("file", "0600 file")


def no_bus_env() -> dict[str, str]:
    """This environment without a session bus: keyring finds no backend (a headless server)."""
    env = {
        name: value for name, value in os.environ.items() if name not in ("DBUS_SESSION_BUS_ADDRESS", "CBCFG_KEY_STORE")
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return env


def run_helper(command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """As Claude Code runs apiKeyHelper: through the shell, no arguments of its own, another folder."""
    return subprocess.run(
        ["/bin/sh", "-c", command], cwd=cwd, env=env or no_bus_env(), capture_output=True, text=True, timeout=30
    )


def test_the_fallback_store_is_one_0600_file_in_a_0700_folder(tmp_path: Path) -> None:
    state = tmp_path / "state"
    write_key(FILE_STORE, state, "local", KEY)

    path = key_file(state, "local")
    assert path.read_text() == KEY + "\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert read_key("file", state, "local") == KEY
    assert known_entries(state)["local"]["store"] == "file"
    assert KEY not in (state / "keys.json").read_text()  # what cbcfg remembers holds no key

    write_key(FILE_STORE, state, "local", OTHER_KEY)  # rotation replaces it
    assert read_key("file", state, "local") == OTHER_KEY
    assert delete_key(state, "local") == ["file"]
    assert read_key("file", state, "local") is None and not path.exists()


def test_without_a_keyring_backend_the_store_is_the_fallback_file(tmp_path: Path) -> None:
    probe = (
        "import sys; from pathlib import Path; from claude_bifrost_cfg.keystore import choose_store; "
        "print(choose_store(Path(sys.argv[1]), {}).kind)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], env=no_bus_env(), capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "file", done.stderr


def test_the_helper_prints_only_the_key_from_any_folder_with_spaces_in_its_paths(tmp_path: Path) -> None:
    state = tmp_path / "a folder with spaces" / "state"
    write_key(FILE_STORE, state, "local", KEY)
    command = quote_command([*helper_program(), *helper_arguments("file", state, "local")], windows=False)
    elsewhere = tmp_path / "some project"
    elsewhere.mkdir()

    done = run_helper(command, elsewhere)
    assert (done.returncode, done.stdout, done.stderr) == (0, KEY + "\n", "")

    headers = run_helper(
        quote_command([*helper_program(), *helper_arguments("file", state, "local", True)], False), elsewhere
    )
    assert headers.stdout.strip() == '{"Authorization": "Bearer ' + KEY + '"}'


def test_a_missing_key_is_one_line_on_stderr_and_exit_1(tmp_path: Path) -> None:
    command = quote_command([*helper_program(), *helper_arguments("file", tmp_path, "local")], windows=False)
    done = run_helper(command, tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "cbcfg key set --profile local" in done.stderr


def test_bad_helper_arguments_exit_2(tmp_path: Path) -> None:
    done = run_helper(quote_command([*helper_program(), "--store", "nowhere"], windows=False), tmp_path)
    assert done.returncode == 2 and done.stdout == "" and "usage:" in done.stderr


def test_the_helper_loads_no_cli_libraries(tmp_path: Path) -> None:
    write_key(FILE_STORE, tmp_path, "local", KEY)
    script = (
        "import sys; from claude_bifrost_cfg import key_helper; code = key_helper.main(sys.argv[1:]); "
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'click', 'rich', 'pydantic', 'typer', 'httpx', "
        "'tomlkit', 'platformdirs', 'mcp'}); sys.stderr.write(repr(heavy)); sys.exit(code)"
    )
    args = helper_arguments("file", tmp_path, "local")
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stderr == "[]"


def test_the_helper_is_this_interpreter_or_the_one_named_and_quoted_for_each_shell() -> None:
    assert helper_program(env={}) == [str(Path(sys.executable).absolute()), "-m", "claude_bifrost_cfg.key_helper"]
    named = helper_program(env={"CBCFG_KEY_HELPER": "'/opt/my tools/cbcfg-key-helper'"})
    assert named == ["/opt/my tools/cbcfg-key-helper"]
    windows = quote_command([r"C:\Program Files\Py\Scripts\cbcfg-key-helper.exe", "--entry", "local"], windows=True)
    assert windows == r'"C:\Program Files\Py\Scripts\cbcfg-key-helper.exe" --entry local'
    posix = quote_command(["/opt/my tools/cbcfg-key-helper", "--entry", "local"], windows=False)
    assert posix == "'/opt/my tools/cbcfg-key-helper' --entry local"


def test_backups_are_rewritten_without_the_key(tmp_path: Path) -> None:
    copy = tmp_path / "backups" / "20260101T000000Z-000001" / "01-settings.json"
    copy.parent.mkdir(parents=True)
    copy.write_text('{"env": {"ANTHROPIC_API_KEY": "' + KEY + '", "X": "y"}}\n')
    (copy.parent / "manifest.json").write_text("{}")

    assert drop_key_from_backups(tmp_path, KEY) == 1
    assert copy.read_text() == '{"env": {"ANTHROPIC_API_KEY": "", "X": "y"}}\n'
    assert copy.stat().st_mode & 0o777 == 0o600


# -- the OS keyring: gnome-keyring's Secret Service ----------------------------------------------


def keyring_env(bus: dict[str, str]) -> dict[str, str]:
    return {**no_bus_env(), **bus}


def test_the_keyring_store_round_trips_through_the_secret_service(tmp_path: Path) -> None:
    with secret_service(tmp_path) as bus:
        env = keyring_env(bus)
        write = (
            "import sys; from pathlib import Path; from claude_bifrost_cfg.keystore import choose_store, write_key; "
            "state = Path(sys.argv[1]); store = choose_store(state, {}); "
            "write_key(store, state, 'local', sys.stdin.read()); "
            "print(store.kind, store.backend)"
        )
        done = subprocess.run(
            [sys.executable, "-c", write, str(tmp_path / "state")],
            input=KEY,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("keyring "), done.stdout

        # Another program reading the same Secret Service entry: it is really in the keyring.
        if shutil.which("secret-tool"):
            found = subprocess.run(
                ["secret-tool", "lookup", "service", "claude-bifrost-cfg", "username", "local"],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert found.stdout.strip() == KEY
        command = quote_command([*helper_program(), *helper_arguments("keyring", tmp_path, "local")], windows=False)
        printed = run_helper(command, tmp_path, env)
        assert (printed.returncode, printed.stdout) == (0, KEY + "\n"), printed.stderr
        assert not list((tmp_path / "state").rglob("*.key"))  # no fallback file was made


def test_a_locked_keyring_makes_the_helper_fail_in_one_line(tmp_path: Path) -> None:
    with secret_service(tmp_path, unlocked=False) as bus:
        command = quote_command([*helper_program(), *helper_arguments("keyring", tmp_path, "local")], windows=False)
        done = run_helper(command, tmp_path, keyring_env(bus))
        assert done.returncode == 1 and done.stdout == ""
        assert len(done.stderr.splitlines()) == 1 and "unlock it" in done.stderr
