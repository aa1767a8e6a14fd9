"""Key modes and ``cbcfg key``: the real CLI (a separate process: the keyring library picks its
backend once per process) against a scratch home, with the fallback file store (no session bus) or
a real Secret Service (tests/support/secret_service.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli_helpers import KEY, NON_BIFROST_KEY, OTHER_KEY, Scratch, read_json, write
from tests.support.gateway import Gateway
from tests.support.secret_service import secret_service

NO_BUS: dict[str, str | None] = {"DBUS_SESSION_BUS_ADDRESS": None, "CBCFG_KEY_STORE": None}


def holding(root: Path, key: str) -> set[str]:
    """Every file under ``root`` whose bytes hold ``key``, relative to ``root``."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and key.encode() in p.read_bytes()}


def apply(scratch: Scratch, *args: str, key: str | None = KEY, env: dict[str, str | None] | None = None) -> str:
    result = scratch.process(
        "apply", "local", "-t", "code", "-t", "code-mcp", "--yes", *args, key=key, env=env or NO_BUS
    )
    assert result.exit_code == 0, result.output
    return result.output


def helper_output(scratch: Scratch, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = read_json(scratch.settings)["apiKeyHelper"]
    return subprocess.run(["/bin/sh", "-c", command], cwd="/", capture_output=True, text=True, env=env, timeout=30)


def test_key_to_helper_moves_the_key_off_settings_and_out_of_the_backups(scratch: Scratch) -> None:
    apply(scratch)
    assert holding(scratch.root, KEY) == {"home/.claude/settings.json", "home/.claude.json"}

    said = apply(scratch, "--key-mode", "helper", key=None)  # the key in place migrates

    assert "the fallback store (0600 file in ~/.local/state/cbcfg/keys)" in said
    assert holding(scratch.root, KEY) == {"home/.local/state/cbcfg/keys/local.key"}  # backups rewritten too
    settings = read_json(scratch.settings)
    assert "ANTHROPIC_API_KEY" not in settings["env"]
    assert settings["env"]["CLAUDE_CODE_API_KEY_HELPER_TTL_MS"] == "60000"
    assert helper_output(scratch).stdout == KEY + "\n"
    entry = read_json(scratch.claude_json)["mcpServers"]["bifrost"]
    assert "headers" not in entry and "--headers" in entry["headersHelper"]

    status = scratch.process("key", "status", "--json", env=NO_BUS)
    (row,) = status.json["profiles"]
    assert (row["profile"], row["mode"], row["store"], row["key"]) == ("local", "helper", "file", "sk-bf-…a6c7")


def test_key_set_rotates_the_helper_store_without_an_apply(scratch: Scratch) -> None:
    apply(scratch, "--key-mode", "helper")
    before = scratch.settings.read_bytes()

    rotated = scratch.process("key", "set", stdin=OTHER_KEY + "\n", env=NO_BUS)

    assert rotated.exit_code == 0, rotated.output
    assert "picks it up at its next key refresh" in rotated.output
    assert scratch.settings.read_bytes() == before
    assert helper_output(scratch).stdout == OTHER_KEY + "\n"
    assert holding(scratch.root, KEY) == set()


def test_key_set_in_key_mode_rewrites_every_file_in_one_apply(scratch: Scratch) -> None:
    apply(scratch)

    rotated = scratch.process("key", "set", "--profile", "local", stdin=OTHER_KEY + "\n", env=NO_BUS)

    assert rotated.exit_code == 0, rotated.output
    assert holding(scratch.root, OTHER_KEY) == {"home/.claude/settings.json", "home/.claude.json"}
    assert holding(scratch.root, KEY) == set()  # the rotated key is gone from the backups too
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == OTHER_KEY


def test_header_mode_sends_the_key_as_x_bf_vk(scratch: Scratch) -> None:
    apply(scratch, "--key-mode", "header")
    env = read_json(scratch.settings)["env"]
    assert env["ANTHROPIC_CUSTOM_HEADERS"] == f"x-bf-vk: {KEY}"
    assert "ANTHROPIC_API_KEY" not in env and "ANTHROPIC_AUTH_TOKEN" not in env

    rotated = scratch.process("key", "set", stdin=OTHER_KEY, env=NO_BUS)
    assert rotated.exit_code == 0, rotated.output
    assert read_json(scratch.settings)["env"]["ANTHROPIC_CUSTOM_HEADERS"] == f"x-bf-vk: {OTHER_KEY}"


def test_login_mode_writes_the_gateway_sign_in_and_no_key(scratch: Scratch) -> None:
    apply(scratch, "--key-mode", "login", "--gateway-url", "https://bifrost.example.com", key=None)
    settings = read_json(scratch.settings)
    assert settings["forceLoginMethod"] == "gateway"
    assert settings["forceLoginGatewayUrl"] == "https://bifrost.example.com/claude-code"
    assert holding(scratch.root, KEY) == set()
    refused = scratch.process("key", "set", stdin=KEY, env=NO_BUS)
    assert refused.exit_code == 5 and "login mode" in refused.error_line()


def test_login_mode_warns_when_a_managed_source_would_shadow_user_settings(scratch: Scratch) -> None:
    write(scratch.system_root / "etc" / "claude-code" / "managed-settings.json", "{}\n")
    said = apply(scratch, "--system-root", str(scratch.system_root), "--key-mode", "login", key=None)
    assert "a managed settings source exists" in said


def test_key_rm_removes_the_store_entry_and_doctor_says_how_to_fix_it(scratch: Scratch) -> None:
    apply(scratch, "--key-mode", "helper")
    removed = scratch.process("key", "rm", env=NO_BUS)
    assert removed.exit_code == 0, removed.output
    assert holding(scratch.root, KEY) == set()

    doctor = scratch.process("doctor", "--no-network", "--json", env=NO_BUS)
    rows = [r for r in doctor.json["results"] if r["check"] == "key-mode"]
    assert rows and rows[-1]["level"] == "failed"
    assert "cbcfg key set" in rows[-1]["fix"]


def test_a_helper_that_moved_is_a_doctor_row_with_the_fix(scratch: Scratch) -> None:
    apply(scratch, "--key-mode", "helper")
    settings = read_json(scratch.settings)
    settings["apiKeyHelper"] = "'/gone/away/cbcfg-key-helper' --store file --entry local"
    write(scratch.settings, json.dumps(settings))

    doctor = scratch.process("doctor", "--no-network", "--json", env=NO_BUS)
    (row,) = [r for r in doctor.json["results"] if r["check"] == "key-mode"]
    assert row["level"] == "failed" and "/gone/away/cbcfg-key-helper" in row["message"]
    assert "--key-mode helper" in row["fix"]


def test_doctor_checks_the_helpers_key_against_the_gateway(scratch: Scratch, gateway: Gateway) -> None:
    gateway.keys.add(KEY)
    apply(scratch, "--key-mode", "helper", "--gateway-url", gateway.url)

    doctor = scratch.process("doctor", "--json", env={**NO_BUS, "NO_PROXY": "*"})
    rows = {(r["check"], r["level"]) for r in doctor.json["results"]}
    assert ("key-mode", "ok") in rows and ("key", "ok") in rows, doctor.json["results"]
    sent = gateway.requests_to("/anthropic/v1/models")[-1].headers
    assert sent["authorization"] == f"Bearer {KEY}" and sent["x-api-key"] == KEY  # as the client sends it


@pytest.mark.parametrize("bad", [NON_BIFROST_KEY, "", "sk-bf-with space"])
def test_key_set_refuses_what_is_no_virtual_key(scratch: Scratch, bad: str) -> None:
    result = scratch.process("key", "set", "--profile", "local", stdin=bad + "\n", env=NO_BUS)
    assert result.exit_code == 5, result.output
    assert result.error_line()
    assert not (scratch.state_dir / "keys").exists()


def test_key_set_takes_no_key_argument(scratch: Scratch) -> None:
    result = scratch.process("key", "set", KEY, env=NO_BUS)
    assert result.exit_code == 2


def test_an_unknown_key_mode_is_a_usage_error(scratch: Scratch) -> None:
    result = scratch.process("apply", "local", "--key-mode", "vault", "--yes", key=KEY, env=NO_BUS)
    assert result.exit_code == 2 and "key mode 'vault'" in result.error_line()


def test_helper_mode_with_the_os_keyring_leaves_no_key_file(scratch: Scratch, tmp_path: Path) -> None:
    with secret_service(tmp_path / "bus") as bus:
        env: dict[str, str | None] = {"CBCFG_KEY_STORE": None, **bus}
        said = apply(scratch, "--key-mode", "helper", env=env)
        assert "the OS keyring (" in said
        assert holding(scratch.root, KEY) == set()  # on no disk cbcfg writes: only in the keyring
        printed = helper_output(scratch, env={"PATH": "/usr/bin:/bin", **bus})
        assert printed.stdout == KEY + "\n", printed.stderr
        status = scratch.process("key", "status", "--json", env=env)
        assert status.json["profiles"][0]["store"] == "keyring"


def test_a_locked_keyring_refuses_the_apply_and_writes_nothing(scratch: Scratch, tmp_path: Path) -> None:
    with secret_service(tmp_path / "bus", unlocked=False) as bus:
        result = scratch.process("apply", "local", "-t", "code", "--key-mode", "helper", "--yes", key=KEY, env=bus)
        assert result.exit_code == 5, result.output
        assert "unlock it" in result.error_line()
        assert not scratch.settings.exists()


def test_doctor_never_runs_a_projects_api_key_helper(scratch: Scratch) -> None:
    proof = scratch.root / "ran"
    write(scratch.project / ".claude" / "settings.json", json.dumps({"apiKeyHelper": f"touch {proof}; echo sk-bf-x"}))

    doctor = scratch.process("doctor", "--no-network", "--json", env=NO_BUS)

    (row,) = [r for r in doctor.json["results"] if r["check"] == "key-mode"]
    assert row["level"] == "info" and "doctor does not run it" in row["message"]
    assert not proof.exists()


def test_login_mode_refuses_plain_http_to_another_host(scratch: Scratch) -> None:
    args = ["--key-mode", "login", "--gateway-url", "http://bifrost.internal:8080", "--allow-insecure"]
    result = scratch.process("apply", "local", "-t", "code", "--yes", *args, env=NO_BUS)
    assert result.exit_code == 5 and "https://" in result.error_line()
    assert not scratch.settings.exists()


def test_a_missing_keyring_backend_asked_for_by_name_is_one_line(scratch: Scratch) -> None:
    env: dict[str, str | None] = {**NO_BUS, "CBCFG_KEY_STORE": "keyring"}
    result = scratch.process("apply", "local", "-t", "code", "--key-mode", "helper", "--yes", key=KEY, env=env)
    assert result.exit_code == 5 and "no keyring backend" in result.error_line()
    assert not scratch.settings.exists() and not (scratch.state_dir / "keys").exists()


def test_key_to_login_removes_the_key_from_settings_and_backups(scratch: Scratch) -> None:
    apply(scratch)
    apply(scratch, "--key-mode", "login", key=None)
    assert holding(scratch.root, KEY) == set()
    assert "forceLoginMethod" in read_json(scratch.settings)


def test_a_profile_chooses_its_key_mode_in_its_gateway_table(scratch: Scratch) -> None:
    profiles = scratch.root / "profiles"
    write(profiles / "vault.toml", 'extends = "local"\n[gateway]\nkey_mode = "helper"\n')
    result = scratch.process(
        "apply", "vault", "-t", "code", "--yes", "--profiles-dir", str(profiles), key=KEY, env=NO_BUS
    )
    assert result.exit_code == 0, result.output
    assert "apiKeyHelper" in read_json(scratch.settings)
    assert holding(scratch.root, KEY) == {"home/.local/state/cbcfg/keys/vault.key"}

    bad = write(profiles / "bad.toml", 'extends = "local"\n[gateway]\nkey_mode = "vault"\n')
    refused = scratch.process("apply", "bad", "--yes", "--profiles-dir", str(profiles), key=KEY, env=NO_BUS)
    assert refused.exit_code == 4 and f"{bad}:3" in refused.error_line()


def test_remove_in_helper_mode_takes_the_key_out_of_its_store_too(scratch: Scratch) -> None:
    apply(scratch, "--key-mode", "helper")
    assert holding(scratch.root, KEY) == {"home/.local/state/cbcfg/keys/local.key"}

    dry = scratch.process("remove", "--dry-run", env=NO_BUS)
    assert dry.exit_code == 0, dry.output
    assert "would remove the virtual key of profile 'local' from the file store" in dry.output
    assert holding(scratch.root, KEY) == {"home/.local/state/cbcfg/keys/local.key"}

    removed = scratch.process("remove", "--yes", env=NO_BUS)

    assert removed.exit_code == 0, removed.output
    assert "removed the virtual key of profile 'local' from the file store" in removed.output
    assert holding(scratch.root, KEY) == set()
    assert not scratch.settings.exists()  # cbcfg created it and it held nothing else
