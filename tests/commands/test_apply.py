"""cbcfg apply: every bundled profile into every target on every platform's layout, merged safely."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.cli_helpers import (
    ALL_TARGETS,
    HOLDS_KEY,
    KEY,
    NON_BIFROST_KEY,
    OTHER_KEY,
    PLATFORMS,
    PROFILES,
    PROVIDER_PROFILES,
    STATE_DIR,
    Result,
    Scratch,
    expected_document,
    profile_args,
    read_json,
    target_paths,
    targets_args,
    write,
)

BASE = "http://localhost:8080/anthropic"


def apply(scratch: Scratch, profile: str, *args: str, key: str | None = KEY) -> Result:
    return scratch.cbcfg("apply", profile, "--yes", *profile_args(profile), *args, key=key)


# --- the matrix: profile x target x platform ------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("profile", PROFILES)
def test_every_target_gets_the_seed_keys_at_its_path(scratch: Scratch, profile: str, platform: str) -> None:
    result = scratch.cbcfg(
        "apply",
        profile,
        *targets_args(ALL_TARGETS),
        "--platform",
        platform,
        "--system-root",
        str(scratch.system_root),
        "--yes",
        *profile_args(profile),
        key=KEY,
    )
    assert result.exit_code == 0, result.output
    paths = target_paths(scratch, platform)
    state = scratch.home / STATE_DIR[platform]
    assert scratch.files(state) == {path.relative_to(scratch.root).as_posix() for path in paths.values()}
    for target, path in paths.items():
        text = path.read_bytes().decode()
        written = json.loads(text)
        assert written == expected_document(target, profile, written), target
        assert text == json.dumps(written, indent=2, ensure_ascii=False) + "\n", target  # Claude's own style
        mode = stat.S_IMODE(path.stat().st_mode)
        private = target in HOLDS_KEY and target != "managed"  # managed: readable by every user (issue 12)
        assert mode == (0o600 if private else 0o644), (target, oct(mode))
    assert (state / "records.json").is_file()
    assert len(list((state / "backups").iterdir())) == 1


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("profile", PROFILES)
def test_desktop_bridge_form(scratch: Scratch, profile: str, platform: str) -> None:
    result = apply(scratch, profile, "-t", "desktop", "--desktop-mcp", "bridge", "--platform", platform)
    assert result.exit_code == 0, result.output
    path = target_paths(scratch, platform)["desktop"]
    assert read_json(path) == expected_document("desktop", profile, {}, form="bridge")
    assert scratch.files(scratch.home / STATE_DIR[platform]) == {path.relative_to(scratch.root).as_posix()}


def test_default_targets_are_code_and_desktop(scratch: Scratch) -> None:
    assert apply(scratch, "local").exit_code == 0
    assert scratch.files() == {"home/.claude/settings.json", "home/.config/Claude/claude_desktop_config.json"}


def test_state_belongs_to_the_home_given(scratch: Scratch) -> None:
    alice = scratch.root / "alice"
    alice.mkdir()
    result = scratch.cbcfg("apply", "local", "--home", str(alice), "--yes", key=KEY)
    assert result.exit_code == 0, result.output
    assert (alice / ".claude" / "settings.json").is_file()
    assert (alice / ".local" / "state" / "cbcfg" / "records.json").is_file()
    assert list((alice / ".local" / "state" / "cbcfg" / "backups").iterdir())
    assert not any(scratch.home.iterdir())  # CBCFG_HOME was overridden by --home
    status = scratch.cbcfg("status", "--home", str(alice), "--json")
    assert {row["target"]: row["state"] for row in status.json["files"]}["code"] == "applied"


# --- foreign keys survive byte for byte ------------------------------------------------------------

K = f'"ANTHROPIC_API_KEY": "{KEY}"'
U = f'"ANTHROPIC_BASE_URL": "{BASE}"'

TYPICAL = """{
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "permissions": {
    "allow": ["Bash(npm run test:*)"],
    "deny": ["Read(./.env)"]
  },
  "hooks": {
    "PostToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "prettier --write"}]}]
  },
  "statusLine": {"type": "command", "command": "~/.claude/statusline.sh"},
  "env": {
    "DISABLE_TELEMETRY": "1"
  },
  "x-future-key": {"nested": [1, 2.50, 1e3, "\\u00e9", null]}
}
"""

CASES = {
    "typical": (
        TYPICAL,
        TYPICAL.replace('"DISABLE_TELEMETRY": "1"\n', f'"DISABLE_TELEMETRY": "1",\n    {K},\n    {U}\n'),
    ),
    "four spaces, no env, no final newline": (
        '{\n    "model": "sonnet",\n    "hooks": {}\n}',
        f'{{\n    "model": "sonnet",\n    "hooks": {{}},\n    "env": {{\n        {K},\n        {U}\n    }}\n}}',
    ),
    "crlf and tabs": (
        '{\r\n\t"statusLine": {"type": "command", "command": "x"},\r\n\t"env": {\r\n\t\t"FOO": "1"\r\n\t}\r\n}\r\n',
        '{\r\n\t"statusLine": {"type": "command", "command": "x"},\r\n\t"env": {\r\n\t\t"FOO": "1",\r\n'
        f"\t\t{K},\r\n\t\t{U}\r\n\t}}\r\n}}\r\n",
    ),
    "compact": (
        '{"permissions":{"allow":[]},"env":{"FOO":"1"}}',
        '{"permissions":{"allow":[]},"env":{"FOO":"1",' + K.replace(": ", ":") + "," + U.replace(": ", ":") + "}}",
    ),
    "odd indentation": (
        '{\n  "a": 1,\n      "env": {"FOO": "1"},\n "b": [\n]\n}\n',
        f'{{\n  "a": 1,\n      "env": {{"FOO": "1", {K}, {U}}},\n "b": [\n]\n}}\n',
    ),
    "empty object": ("{}", f'{{\n  "env": {{\n    {K},\n    {U}\n  }}\n}}'),
    "empty file": ("", f'{{\n  "env": {{\n    {K},\n    {U}\n  }}\n}}\n'),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("target", ["code", "code-local", "managed"])
def test_settings_files_keep_every_foreign_byte(scratch: Scratch, case: str, target: str) -> None:
    before, after = CASES[case]
    path = write(target_paths(scratch)[target], before)
    result = apply(scratch, "local", "-t", target, "--system-root", str(scratch.system_root))
    assert result.exit_code == 0, result.output
    assert path.read_bytes().decode() == after


def test_desktop_keeps_other_servers_and_crlf(scratch: Scratch) -> None:
    before = '{\r\n  "mcpServers": {\r\n    "files": {"command": "npx"}\r\n  },\r\n  "theme": "dark"\r\n}'
    write(scratch.desktop, before)
    assert apply(scratch, "local", "-t", "desktop", "--desktop-mcp", "url").exit_code == 0
    assert scratch.desktop.read_bytes().decode() == (
        '{\r\n  "mcpServers": {\r\n    "files": {"command": "npx"},\r\n    "bifrost": {\r\n'
        '      "url": "http://localhost:8080/mcp",\r\n      "headers": {\r\n'
        f'        "Authorization": "Bearer {KEY}"\r\n      }}\r\n    }}\r\n  }},\r\n  "theme": "dark"\r\n}}'
    )


def test_project_mcp_keeps_other_servers(scratch: Scratch) -> None:
    before = '{\n\t"mcpServers": {\n\t\t"db": {"type": "stdio", "command": "pg-mcp"}\n\t}\n}\n'
    path = write(scratch.project / ".mcp.json", before)
    assert apply(scratch, "local", "-t", "project-mcp").exit_code == 0
    text = path.read_bytes().decode()
    assert text.startswith(
        '{\n\t"mcpServers": {\n\t\t"db": {"type": "stdio", "command": "pg-mcp"},\n\t\t"bifrost": {\n'
    )
    assert read_json(path)["mcpServers"]["db"] == {"type": "stdio", "command": "pg-mcp"}


# --- switching profiles -------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDER_PROFILES)
def test_switching_to_local_removes_the_stale_pins(scratch: Scratch, provider: str) -> None:
    write(scratch.settings, TYPICAL)
    assert apply(scratch, provider, "-t", "code").exit_code == 0
    assert "ANTHROPIC_DEFAULT_OPUS_MODEL" in read_json(scratch.settings)["env"]
    result = scratch.cbcfg("apply", "local", "-t", "code", "--yes", "--json", key=KEY)
    assert result.exit_code == 0, result.output
    removed = {c["pointer"] for f in result.json["files"] for c in f["changes"] if c["action"] == "remove"}
    assert removed == {f"/env/ANTHROPIC_DEFAULT_{tier}_MODEL" for tier in ("SONNET", "OPUS", "HAIKU")}
    assert read_json(scratch.settings)["env"] == {
        "DISABLE_TELEMETRY": "1",
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": BASE,
    }
    assert scratch.settings.read_bytes().decode() == CASES["typical"][1]


SWITCH_TARGETS = ("code", "code-project", "code-local", "desktop", "code-mcp", "project-mcp", "managed")
STARTING_FILES = {
    "code": TYPICAL,
    "code-project": '{\n  "permissions": {"allow": []}\n}\n',
    "code-local": None,
    "desktop": '{\n  "mcpServers": {\n    "files": {"command": "npx"}\n  }\n}\n',
    "code-mcp": '{\n  "numStartups": 3,\n  "projects": {}\n}\n',
    "project-mcp": None,
    "managed": "{}",
}


def _seed_machine(root: Path) -> Scratch:
    machine = Scratch(root, root / "home", root / "project", root / "sysroot")
    for folder in (machine.home, machine.project, machine.system_root):
        folder.mkdir(parents=True)
    for target, text in STARTING_FILES.items():
        if text is not None:
            write(target_paths(machine)[target], text)
    return machine


@pytest.mark.parametrize("provider", PROVIDER_PROFILES)
def test_back_and_forth_ends_byte_identical_to_a_direct_apply(scratch: Scratch, provider: str) -> None:
    direct, switched = _seed_machine(scratch.root / "direct"), _seed_machine(scratch.root / "switched")

    def run(machine: Scratch, profile: str) -> None:
        result = scratch.cbcfg(
            "apply",
            profile,
            *targets_args(SWITCH_TARGETS),
            "--home",
            str(machine.home),
            "--project",
            str(machine.project),
            "--system-root",
            str(machine.system_root),
            "--yes",
            key=KEY,
        )
        assert result.exit_code == 0, result.output

    run(direct, provider)
    for profile in (provider, "local", provider):
        run(switched, profile)
    for target in SWITCH_TARGETS:
        assert target_paths(switched)[target].read_bytes() == target_paths(direct)[target].read_bytes(), target
    run(switched, "local")
    run(direct, "local")
    for target in SWITCH_TARGETS:
        assert target_paths(switched)[target].read_bytes() == target_paths(direct)[target].read_bytes(), target


@pytest.mark.parametrize("provider", PROVIDER_PROFILES)
def test_local_without_a_key_then_a_provider_ends_as_a_direct_apply(scratch: Scratch, provider: str) -> None:
    """A key added later lands where a direct apply puts it (before the base URL), not at the end."""
    direct, switched = _seed_machine(scratch.root / "direct"), _seed_machine(scratch.root / "switched")

    def run(machine: Scratch, profile: str, key: str | None) -> None:
        roots = ("--home", str(machine.home), "--project", str(machine.project))
        result = scratch.cbcfg("apply", profile, *targets_args(SWITCH_TARGETS[:-1]), *roots, "--yes", key=key)
        assert result.exit_code == 0, result.output

    run(switched, "local", None)
    run(switched, provider, KEY)
    run(direct, provider, KEY)
    for target in SWITCH_TARGETS[:-1]:
        assert target_paths(switched)[target].read_bytes() == target_paths(direct)[target].read_bytes(), target


@pytest.mark.parametrize("start", [None, TYPICAL])
def test_settings_a_profile_added_go_away_with_it(scratch: Scratch, start: str | None) -> None:
    profiles = write(
        scratch.root / "p" / "strict.toml",
        'extends = "local"\n[settings]\nmodel = "opus"\n[settings.permissions]\ndefaultMode = "plan"\n',
    ).parent
    direct = Scratch(scratch.root / "direct", scratch.root / "direct" / "home", scratch.project, scratch.system_root)
    direct.home.mkdir(parents=True)
    for machine in (scratch, direct):
        if start is not None:
            write(machine.settings, start)
    common = ("-t", "code", "--profiles-dir", str(profiles), "--yes")
    result = scratch.cbcfg("apply", "strict", *common, key=KEY)
    assert result.exit_code == 0, result.output
    assert read_json(scratch.settings)["permissions"]["defaultMode"] == "plan"
    assert scratch.cbcfg("apply", "local", *common, key=KEY).exit_code == 0
    assert scratch.cbcfg("apply", "local", *common, "--home", str(direct.home), key=KEY).exit_code == 0
    assert scratch.settings.read_bytes() == direct.settings.read_bytes()
    if start is None:
        assert read_json(scratch.settings) == {"env": {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": BASE}}


# --- drift ----------------------------------------------------------------------------------------


def test_an_owned_key_the_user_edited_is_left_and_reported_until_forced(scratch: Scratch) -> None:
    assert apply(scratch, "local", "-t", "code").exit_code == 0
    edited = scratch.settings.read_bytes().decode().replace("localhost:8080", "my-gateway.internal:9000")
    scratch.settings.write_text(edited)

    result = scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY)
    assert result.exit_code == 0, result.output
    assert scratch.settings.read_bytes().decode() == edited
    assert "drift: /env/ANTHROPIC_BASE_URL" in result.output
    assert "--force" in result.output

    as_json = scratch.cbcfg("apply", "local", "-t", "code", "--yes", "--json", key=KEY).json
    assert as_json["applied"] is False
    assert [d["pointer"] for d in as_json["files"][0]["drift"]] == ["/env/ANTHROPIC_BASE_URL"]
    assert as_json["summary"]["drift"] == 1

    forced = scratch.cbcfg("apply", "local", "-t", "code", "--yes", "--force", key=KEY)
    assert forced.exit_code == 0, forced.output
    assert read_json(scratch.settings)["env"]["ANTHROPIC_BASE_URL"] == BASE
    assert "drift" not in scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).output


def test_a_stale_pin_the_user_edited_survives_a_switch(scratch: Scratch) -> None:
    assert apply(scratch, "bedrock", "-t", "code").exit_code == 0
    doc = read_json(scratch.settings)
    doc["env"]["ANTHROPIC_DEFAULT_HAIKU_MODEL"] = "bedrock/my-haiku"
    scratch.settings.write_text(json.dumps(doc, indent=2) + "\n")
    result = apply(scratch, "local", "-t", "code")
    assert result.exit_code == 0
    env = read_json(scratch.settings)["env"]
    assert env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == "bedrock/my-haiku"
    assert "ANTHROPIC_DEFAULT_SONNET_MODEL" not in env
    assert "drift: /env/ANTHROPIC_DEFAULT_HAIKU_MODEL" in result.output


# --- idempotence ---------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_a_second_apply_changes_nothing_at_all(scratch: Scratch, profile: str) -> None:
    write(scratch.settings, TYPICAL)
    args = (*targets_args(ALL_TARGETS), "--system-root", str(scratch.system_root))
    assert apply(scratch, profile, *args).exit_code == 0
    before = scratch.tree()

    again = apply(scratch, profile, *args)
    assert again.exit_code == 0
    assert f"Nothing to change: every file already matches profile '{profile}'" in again.output
    after = scratch.tree()
    lock = (scratch.state_dir / "cbcfg.lock").relative_to(scratch.root).as_posix()
    before.pop(lock, None), after.pop(lock, None)
    assert after == before  # every file's bytes, mode and mtime; no new backup set

    as_json = scratch.cbcfg("apply", profile, "--yes", "--json", *profile_args(profile), *args, key=KEY).json
    assert as_json["applied"] is False and as_json["pending"] is False and as_json["backup_set"] is None
    assert {f["action"] for f in as_json["files"]} == {"unchanged"}


# --- --dry-run and --check write nothing ---------------------------------------------------------


@pytest.mark.parametrize("flag", ["--dry-run", "--check"])
@pytest.mark.parametrize("start", ["fresh", "existing"])
def test_dry_run_and_check_write_nothing(scratch: Scratch, flag: str, start: str) -> None:
    if start == "existing":
        write(scratch.settings, TYPICAL)
    args = (*targets_args(ALL_TARGETS), "--system-root", str(scratch.system_root))
    before = scratch.tree()
    result = scratch.cbcfg("apply", "bedrock", flag, *args, key=KEY)
    assert result.exit_code == (10 if flag == "--check" else 0), result.output
    assert scratch.tree() == before  # not even the state folder
    assert "ANTHROPIC_DEFAULT_OPUS_MODEL" in result.output  # the plan is shown
    assert (
        "Dry run: nothing was written." if flag == "--dry-run" else "Changes are pending (--check)."
    ) in result.output


def test_check_exits_0_when_nothing_is_pending(scratch: Scratch) -> None:
    assert apply(scratch, "vertex").exit_code == 0
    before = scratch.tree()
    result = scratch.cbcfg("apply", "vertex", "--check", key=KEY)
    assert result.exit_code == 0, result.output
    assert scratch.tree() == before
    pending = scratch.cbcfg("apply", "azure", "--check", "--json", key=KEY)
    assert pending.exit_code == 10
    assert pending.json["pending"] is True and pending.json["applied"] is False and pending.json["dry_run"] is True
    assert scratch.tree() == before


# --- the key ------------------------------------------------------------------------------------


def test_local_applies_without_a_key_and_says_what_was_left_out(scratch: Scratch) -> None:
    result = scratch.cbcfg("apply", "local", "--yes", "--desktop-mcp", "url")
    assert result.exit_code == 0, result.output
    assert read_json(scratch.settings) == {"env": {"ANTHROPIC_BASE_URL": BASE}}
    assert read_json(scratch.desktop) == {"mcpServers": {"bifrost": {"url": "http://localhost:8080/mcp"}}}
    assert "ANTHROPIC_API_KEY left out: no virtual key given" in result.output
    assert "BIFROST_VIRTUAL_KEY" in result.output and "--key-stdin" in result.output
    assert "Authorization header left out" in result.output
    assert stat.S_IMODE(scratch.settings.stat().st_mode) == 0o644  # no key in it


@pytest.mark.parametrize("profile", ["production", "bedrock", "vertex", "azure"])
def test_other_profiles_refuse_without_a_key(scratch: Scratch, profile: str) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("apply", profile, "--yes", *profile_args(profile))
    assert result.exit_code == 5
    line = result.error_line()
    assert f"profile '{profile}' needs a Bifrost virtual key" in line
    assert "BIFROST_VIRTUAL_KEY" in line and "--key-stdin" in line
    assert scratch.tree() == before


def test_the_key_from_stdin(scratch: Scratch) -> None:
    result = scratch.cbcfg("apply", "bedrock", "-t", "code", "--yes", "--key-stdin", stdin=KEY + "\n")
    assert result.exit_code == 0, result.output
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == KEY


def test_key_stdin_wins_over_the_environment(scratch: Scratch) -> None:
    result = scratch.cbcfg("apply", "bedrock", "-t", "code", "--yes", "--key-stdin", stdin=KEY + "\n", key=OTHER_KEY)
    assert result.exit_code == 0, result.output
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == KEY


@pytest.mark.parametrize("stdin", ["", "\n", "two words\n"])
def test_an_empty_or_spaced_key_is_refused(scratch: Scratch, stdin: str) -> None:
    result = scratch.cbcfg("apply", "bedrock", "--yes", "--key-stdin", stdin=stdin)
    assert result.exit_code == 5
    assert "virtual key" in result.error_line()
    assert not scratch.settings.exists()


def test_a_key_without_sk_bf_is_accepted_with_a_warning(scratch: Scratch) -> None:
    result = scratch.cbcfg("apply", "bedrock", "-t", "code", "--yes", key=NON_BIFROST_KEY)
    assert result.exit_code == 0, result.output
    assert "cbcfg: warning: the virtual key does not start with sk-bf-" in result.stderr
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == NON_BIFROST_KEY
    as_json = scratch.cbcfg("apply", "bedrock", "-t", "code", "--dry-run", "--json", key=NON_BIFROST_KEY)
    assert as_json.json["warnings"] and "sk-bf-" in as_json.json["warnings"][0]


def test_production_refuses_its_example_url(scratch: Scratch) -> None:
    result = scratch.cbcfg("apply", "production", "--yes", key=KEY)
    assert result.exit_code == 5
    line = result.error_line()
    assert "example gateway URL https://bifrost.example.com" in line and "--gateway-url" in line
    assert not scratch.settings.exists()


@pytest.mark.parametrize("how", ["option", "env"])
def test_production_with_a_real_url(scratch: Scratch, how: str) -> None:
    url = "https://bifrost.corp.example"
    if how == "option":
        result = scratch.cbcfg(
            "apply", "production", "--yes", "--desktop-mcp", "url", "--gateway-url", url + "/", key=KEY
        )
    else:
        result = scratch.cbcfg(
            "apply", "production", "--yes", "--desktop-mcp", "url", key=KEY, env={"BIFROST_URL": url}
        )
    assert result.exit_code == 0, result.output
    assert read_json(scratch.settings)["env"] == {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": url + "/anthropic"}
    assert read_json(scratch.desktop)["mcpServers"]["bifrost"]["url"] == url + "/mcp"


def test_plain_http_to_another_machine_needs_allow_insecure(scratch: Scratch) -> None:
    url = "http://10.1.2.3:8080"
    refused = scratch.cbcfg("apply", "bedrock", "--yes", "--gateway-url", url, key=KEY)
    assert refused.exit_code == 5 and "--allow-insecure" in refused.error_line()
    assert not scratch.settings.exists()
    allowed = scratch.cbcfg("apply", "bedrock", "--yes", "--gateway-url", url, "--allow-insecure", key=KEY)
    assert allowed.exit_code == 0, allowed.output
    assert read_json(scratch.settings)["env"]["ANTHROPIC_BASE_URL"] == url + "/anthropic"


@pytest.mark.parametrize("url", ["http://localhost:8080/anthropic", "bifrost.example.com", "https://u:p@gw.example"])
def test_bad_gateway_urls_are_refused(scratch: Scratch, url: str) -> None:
    result = scratch.cbcfg("apply", "local", "--yes", "--gateway-url", url)
    assert result.exit_code == 5
    assert "--gateway-url" in result.error_line()
    assert not scratch.settings.exists()


# --- modes and symlinks ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_an_existing_files_mode_is_kept_when_it_holds_no_key(scratch: Scratch, mode: int) -> None:
    write(scratch.settings, "{}\n").chmod(mode)
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes").exit_code == 0
    assert stat.S_IMODE(scratch.settings.stat().st_mode) == mode


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o664])
def test_a_readable_file_ends_0600_once_it_holds_the_key_and_the_plan_says_so(scratch: Scratch, mode: int) -> None:
    write(scratch.settings, "{}\n").chmod(mode)
    result = scratch.cbcfg("apply", "bedrock", "-t", "code", "--yes", "--json", key=KEY)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(scratch.settings.stat().st_mode) == 0o600
    assert f"mode {mode:04o} -> 0600" in " ".join(result.json["files"][0]["notes"])


def test_a_symlinked_settings_file_is_written_through_and_stays_a_link(scratch: Scratch) -> None:
    dotfiles = write(scratch.root / "dotfiles" / "claude-settings.json", TYPICAL)
    scratch.settings.parent.mkdir(parents=True)
    scratch.settings.symlink_to(Path("..") / ".." / "dotfiles" / "claude-settings.json")
    assert apply(scratch, "local", "-t", "code").exit_code == 0
    assert scratch.settings.is_symlink()
    assert os.readlink(scratch.settings) == "../../dotfiles/claude-settings.json"
    assert dotfiles.read_bytes().decode() == CASES["typical"][1]
    assert [p.name for p in dotfiles.parent.iterdir()] == ["claude-settings.json"]  # no temp file left


# --- confirmation ---------------------------------------------------------------------------------


def test_without_a_terminal_and_without_yes_nothing_is_written(scratch: Scratch) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("apply", "local", key=KEY)
    assert result.exit_code == 5
    assert "--yes" in result.error_line()
    assert scratch.tree() == before


# --- JSON ------------------------------------------------------------------------------------------


def test_json_shape(scratch: Scratch) -> None:
    result = scratch.cbcfg("apply", "bedrock", "-t", "code", "--yes", "--json", key=KEY)
    assert result.exit_code == 0, result.output
    data = result.json
    assert set(data) == {
        "command",
        "profile",
        "gateway_url",
        "dry_run",
        "applied",
        "pending",
        "backup_set",
        "files",
        "warnings",
        "summary",
    }
    assert data["command"] == "apply" and data["profile"] == "bedrock" and data["applied"] is True
    assert data["backup_set"] and data["summary"] == {"changed": 1, "unchanged": 0, "drift": 0}
    (entry,) = data["files"]
    assert set(entry) == {"target", "path", "action", "changes", "drift", "notes"}
    assert entry["target"] == "code" and entry["path"] == "~/.claude/settings.json" and entry["action"] == "create"
    key_change = next(c for c in entry["changes"] if c["pointer"] == "/env/ANTHROPIC_API_KEY")
    assert key_change == {
        "pointer": "/env/ANTHROPIC_API_KEY",
        "action": "add",
        "old": None,
        "new": "sk-bf-…" + KEY[-4:],
    }
    assert "Applied" not in result.stdout  # human lines stay off stdout


def test_the_diff_masks_the_key(scratch: Scratch) -> None:
    result = apply(scratch, "bedrock", "-t", "code", "-t", "desktop", "-t", "code-mcp")
    assert f'"ANTHROPIC_API_KEY": "sk-bf-…{KEY[-4:]}"' in result.output
    assert f'"Authorization": "Bearer sk-bf-…{KEY[-4:]}"' in result.output


def test_end_to_end_in_a_separate_process(scratch: Scratch) -> None:
    """The installed entry point, a real process: nothing but masked keys in any output."""
    result = scratch.process("apply", "bedrock", "--yes", "-t", "code", "-t", "desktop", key=KEY)
    assert result.exit_code == 0, result.output
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == KEY
    for args in (
        ("diff", "bedrock"),
        ("show", "bedrock", "--json"),
        ("status", "--json"),
        ("apply", "bedrock", "--yes"),
    ):
        assert scratch.process(*args, key=KEY).exit_code == 0


# --- bad input: refused, one line, documented exit code, nothing touched ---------------------------

BAD_JSON = {
    "truncated": b'{\n  "env": {\n    "FOO": "1"\n  }\n',
    "trailing comma": b'{\n  "env": {\n    "FOO": "1",\n  }\n}\n',
    "line comment": b'{\n  // my settings\n  "env": {}\n}\n',
    "block comment": b'{"env": {} /* mine */}\n',
    "bom": b'\xef\xbb\xbf{"env": {}}\n',
    "array root": b"[]\n",
    "string root": b'"settings"\n',
    "null root": b"null",
    "nan": b'{"x": NaN}',
    "duplicate key": b'{"env": {}, "env": {}}',
    "two documents": b"{}\n{}\n",
    "not utf-8": b'{"name": "caf\xe9"}',
    "env is a string": b'{"env": "ANTHROPIC_BASE_URL=x"}',
    "nested too deeply": b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "integer too long to read": b'{"n": ' + b"9" * 5000 + b"}",
}


@pytest.mark.parametrize("case", BAD_JSON)
def test_a_bad_settings_file_is_refused_and_left_untouched(scratch: Scratch, case: str) -> None:
    write(scratch.settings, BAD_JSON[case])
    before = scratch.tree()
    result = scratch.cbcfg("apply", "local", "--yes", key=KEY)  # code and desktop: neither is written
    assert result.exit_code == 3, result.output
    line = result.error_line()
    assert line.startswith("cbcfg: error: ~/.claude/settings.json: "), line
    assert scratch.tree() == before  # bytes and mtime; no state folder, no desktop file


@pytest.mark.parametrize("target", ["desktop", "code-mcp", "project-mcp", "code-project", "managed"])
@pytest.mark.parametrize("case", ["trailing comma", "bom", "array root"])
def test_every_target_refuses_bad_json(scratch: Scratch, target: str, case: str) -> None:
    path = write(target_paths(scratch)[target], BAD_JSON[case])
    before = scratch.tree()
    result = apply(scratch, "local", "-t", target, "-t", "code", "--system-root", str(scratch.system_root))
    assert result.exit_code == 3
    assert path.name in result.error_line()
    assert scratch.tree() == before


def test_the_error_names_the_line(scratch: Scratch) -> None:
    write(scratch.settings, BAD_JSON["trailing comma"])
    line = scratch.cbcfg("apply", "local", "--yes").error_line()
    assert "line 4" in line and "trailing comma" in line


def test_mcp_servers_that_is_not_an_object_is_refused(scratch: Scratch) -> None:
    write(scratch.desktop, b'{"mcpServers": []}\n')
    before = scratch.tree()
    result = apply(scratch, "local", "-t", "desktop")
    assert result.exit_code == 3
    assert "/mcpServers" in result.error_line()
    assert scratch.tree() == before


def test_a_folder_where_the_file_should_be(scratch: Scratch) -> None:
    scratch.settings.mkdir(parents=True)
    before = scratch.tree()
    result = scratch.cbcfg("apply", "local", "--yes", key=KEY)
    assert result.exit_code == 3
    assert "~/.claude/settings.json: is a folder" in result.error_line()
    assert scratch.tree() == before


def test_a_file_where_a_folder_should_be(scratch: Scratch) -> None:
    write(scratch.home / ".claude", "not a folder")
    before = scratch.tree()
    result = scratch.cbcfg("apply", "local", "--yes", key=KEY)
    assert result.exit_code == 3
    assert "~/.claude/settings.json" in result.error_line()
    assert scratch.tree() == before


def test_a_symlink_loop_is_unreadable(scratch: Scratch) -> None:
    scratch.settings.parent.mkdir(parents=True)
    scratch.settings.symlink_to("settings.json")
    before = scratch.tree()
    result = scratch.cbcfg("apply", "local", "--yes", key=KEY)
    assert result.exit_code == 3
    assert "cannot read it" in result.error_line()
    assert scratch.tree() == before


def test_a_named_pipe_is_refused_not_waited_on(scratch: Scratch) -> None:
    scratch.settings.parent.mkdir(parents=True)
    os.mkfifo(scratch.settings)
    before = scratch.tree()
    result = scratch.process("apply", "local", "--yes", key=KEY, timeout=15)  # a hang fails, not blocks
    assert result.exit_code == 3, result.output
    assert "~/.claude/settings.json" in result.error_line()
    assert scratch.tree() == before


def _without_root_powers() -> list[str]:
    """As root, chmod 000 stops nothing: drop the capabilities that bypass file permissions."""
    if os.geteuid() != 0:
        return []
    import shutil

    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_an_unreadable_file(scratch: Scratch) -> None:
    write(scratch.settings, TYPICAL).chmod(0)
    before = scratch.tree()
    result = scratch.process("apply", "local", "--yes", key=KEY, wrapper=_without_root_powers())
    assert scratch.tree() == before
    scratch.settings.chmod(0o644)
    assert result.exit_code == 3, result.output
    assert "~/.claude/settings.json: cannot read it (permission denied)" in result.error_line()
    assert scratch.settings.read_bytes() == TYPICAL.encode()


def test_one_bad_file_stops_the_whole_apply(scratch: Scratch) -> None:
    write(scratch.desktop, BAD_JSON["truncated"])
    before = scratch.tree()
    result = scratch.cbcfg("apply", "bedrock", "--yes", key=KEY)  # code is fine, desktop is not
    assert result.exit_code == 3
    assert scratch.tree() == before
    assert not scratch.settings.exists()


def test_an_unknown_profile(scratch: Scratch) -> None:
    result = scratch.cbcfg("apply", "bedrok", "--yes", key=KEY)
    assert result.exit_code == 4
    line = result.error_line()
    assert "no profile named 'bedrok'" in line and "bedrock" in line
    assert not any(scratch.home.iterdir())


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('extends = "local"\n[gateway\n', ":2: invalid TOML"),
        ('extends = "local"\n[gateway]\nrequire_key = "no"\n', ":3: gateway.require_key"),
        ('extends = "local"\ncolour = "blue"\n', ":2: colour"),
    ],
)
def test_an_invalid_user_profile(scratch: Scratch, text: str, where: str) -> None:
    path = write(scratch.home / ".config" / "cbcfg" / "profiles" / "mine.toml", text)
    before = scratch.tree()
    result = scratch.cbcfg("apply", "mine", "--yes", key=KEY)
    assert result.exit_code == 4
    assert f"cbcfg: error: {path}{where}" in result.error_line()
    assert scratch.tree() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-t", "dekstop"), "unknown target 'dekstop'"),
        (("--platform", "beos"), "unknown platform 'beos'"),
    ],
)
def test_usage_errors(scratch: Scratch, args: tuple[str, ...], message: str) -> None:
    result = scratch.cbcfg("apply", "local", "--yes", *args, key=KEY)
    assert result.exit_code == 2
    assert message in result.error_line()
    assert not any(scratch.home.iterdir())


def test_a_merged_result_that_breaks_the_schema_is_refused(scratch: Scratch) -> None:
    profiles = scratch.root / "profiles"
    write(profiles / "broken.toml", 'extends = "local"\n[settings]\ncleanupPeriodDays = "soon"\n')
    write(scratch.settings, TYPICAL)
    before = scratch.tree()
    result = scratch.cbcfg("apply", "broken", "-t", "code", "--profiles-dir", str(profiles), "--yes", key=KEY)
    assert result.exit_code == 5
    assert "would be invalid at /cleanupPeriodDays" in result.error_line()
    assert scratch.tree() == before


def test_problems_the_file_already_had_do_not_block(scratch: Scratch) -> None:
    write(scratch.settings, '{\n  "cleanupPeriodDays": "soon",\n  "env": {"lower_case": "1"}\n}\n')
    result = apply(scratch, "local", "-t", "code")
    assert result.exit_code == 0, result.output
    assert read_json(scratch.settings)["cleanupPeriodDays"] == "soon"


def test_with_json_an_error_leaves_stdout_empty(scratch: Scratch) -> None:
    write(scratch.settings, BAD_JSON["trailing comma"])
    result = scratch.cbcfg("apply", "local", "--yes", "--json", key=KEY)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.error_line()


def test_a_user_profile_shadows_a_bundled_one(scratch: Scratch) -> None:
    write(
        scratch.home / ".config/cbcfg/profiles/local.toml",
        'extends = "local"\n[gateway]\nurl = "http://127.0.0.1:4000"\n'
        '[env]\nCLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1"\n',
    )
    assert apply(scratch, "local", "-t", "code").exit_code == 0
    assert read_json(scratch.settings)["env"] == {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:4000/anthropic",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }
    profiles_dir = scratch.root / "ci-profiles"
    write(profiles_dir / "local.toml", 'extends = "local"\n[models]\nsonnet = "openai/gpt-5"\n')
    result = apply(scratch, "local", "-t", "code", "--profiles-dir", str(profiles_dir))
    assert result.exit_code == 0
    assert read_json(scratch.settings)["env"] == {  # --profiles-dir -> user folder -> bundled, nearest wins
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:4000/anthropic",
        "ANTHROPIC_DEFAULT_SONNET_MODEL": "openai/gpt-5",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }


@pytest.mark.parametrize("key", ['sk-bf-abc"defghijklmnop', "sk-bf-abc\\defghijklmnop", "tøken-ünicode-0123456789"])
def test_keys_with_characters_json_escapes_are_masked_too(scratch: Scratch, key: str) -> None:
    """In the files (and so in the diffs) such a key is JSON-escaped: the escaped form is masked too."""
    for output in ("--dry-run", "--json"):
        result = scratch.cbcfg("apply", "bedrock", "-t", "code", "-t", "desktop", "--dry-run", output, key=key)
        assert result.exit_code == 0, result.output
        assert json.dumps(key)[1:-1] not in result.output


def test_an_old_key_in_a_diff_is_masked_by_a_fresh_process(scratch: Scratch) -> None:
    """A new key replaces an old one: the old one is no longer known to the process, yet masked."""
    everything = (*targets_args(ALL_TARGETS), "--system-root", str(scratch.system_root))
    assert scratch.process("apply", "bedrock", "--yes", *everything, key=NON_BIFROST_KEY).exit_code == 0
    assert scratch.process("apply", "bedrock", "--yes", "--desktop-mcp", "bridge", *everything, key=KEY).exit_code == 0
    result = scratch.process("apply", "bedrock", "--yes", *everything, key=OTHER_KEY)
    assert result.exit_code == 0
    assert f'-    "ANTHROPIC_API_KEY": "sk-bf-…{KEY[-4:]}",' in result.stdout
    assert scratch.process("rollback", "--yes", "--system-root", str(scratch.system_root)).exit_code == 0
    assert scratch.process("rollback", "--list", "--json").exit_code == 0


def test_two_targets_on_one_file_are_refused(scratch: Scratch) -> None:
    """Run from the home folder, code and code-project are both ~/.claude/settings.json: writing it
    twice would let the second (keyless) write undo the first, at every apply."""
    before = scratch.tree()
    result = apply(scratch, "bedrock", "-t", "code", "-t", "code-project", "--project", str(scratch.home))
    assert result.exit_code == 2
    line = result.error_line()
    assert "code and code-project" in line and "~/.claude/settings.json" in line and "--project" in line
    assert scratch.tree() == before
    config_dir = {"CLAUDE_CONFIG_DIR": str(scratch.project / ".claude")}
    same = scratch.cbcfg("apply", "local", "-t", "code", "-t", "code-project", "--yes", key=KEY, env=config_dir)
    assert same.exit_code == 2
    assert scratch.tree() == before


def test_a_dangling_symlink_into_a_missing_folder_is_refused_and_creates_nothing(scratch: Scratch) -> None:
    scratch.settings.parent.mkdir(parents=True)
    scratch.settings.symlink_to(scratch.root / "nowhere" / "deeper" / "settings.json")
    before = scratch.tree()
    result = scratch.cbcfg("apply", "local", "-t", "code", "--yes")
    assert result.exit_code == 3
    assert "symlink" in result.error_line()
    assert scratch.tree() == before
    assert not (scratch.root / "nowhere").exists()


def test_a_dangling_symlink_into_an_existing_folder_is_written_through(scratch: Scratch) -> None:
    target = scratch.root / "dotfiles" / "settings.json"
    target.parent.mkdir(parents=True)
    scratch.settings.parent.mkdir(parents=True)
    scratch.settings.symlink_to(target)
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes").exit_code == 0
    assert scratch.settings.is_symlink() and "ANTHROPIC_BASE_URL" in target.read_text()


# --- a deleted key is never "nothing to change" (issue 12, item 4) -------------------------------


def test_a_deleted_owned_key_is_pending_and_a_plain_apply_restores_it(scratch: Scratch) -> None:
    assert apply(scratch, "bedrock", "-t", "code").exit_code == 0
    wanted = scratch.settings.read_bytes()
    doc = read_json(scratch.settings)
    del doc["env"]["ANTHROPIC_DEFAULT_SONNET_MODEL"]
    scratch.settings.write_text(json.dumps(doc, indent=2) + "\n")

    check = scratch.cbcfg("apply", "bedrock", "-t", "code", "--check", key=KEY)
    assert check.exit_code == 10, check.output
    assert "Nothing to change" not in check.output
    assert "restored: /env/ANTHROPIC_DEFAULT_SONNET_MODEL deleted since cbcfg set it" in check.output

    result = apply(scratch, "bedrock", "-t", "code")
    assert result.exit_code == 0, result.output
    assert scratch.settings.read_bytes() == wanted
    assert scratch.cbcfg("apply", "bedrock", "-t", "code", "--check", key=KEY).exit_code == 0


def test_check_exits_11_when_only_drift_differs_and_says_how_to_restore(scratch: Scratch) -> None:
    assert apply(scratch, "local", "-t", "code").exit_code == 0
    edited = scratch.settings.read_text().replace("localhost:8080", "my-gateway.internal:9000")
    scratch.settings.write_text(edited)

    check = scratch.cbcfg("apply", "local", "-t", "code", "--check", key=KEY)
    assert check.exit_code == 11, check.output
    assert "Nothing to change" not in check.output
    assert "cbcfg apply local --force" in check.output
    as_json = scratch.cbcfg("apply", "local", "-t", "code", "--check", "--json", key=KEY)
    assert as_json.exit_code == 11
    assert as_json.json["pending"] is False and as_json.json["summary"]["drift"] == 1

    plain = apply(scratch, "local", "-t", "code")
    assert plain.exit_code == 0, plain.output
    assert "Nothing to change" not in plain.output
    assert "Left alone: 1 key(s) changed by hand" in plain.output
    assert "cbcfg apply local --force" in plain.output
    assert scratch.settings.read_text() == edited


# --- the key already in place is the user's key (issue 12, item 5) -------------------------------


def test_a_later_apply_without_a_key_keeps_the_key_in_place(scratch: Scratch) -> None:
    assert apply(scratch, "local").exit_code == 0
    before = {path: path.read_bytes() for path in (scratch.settings, scratch.desktop)}
    again = scratch.cbcfg("apply", "local", "--yes", key=None)
    assert again.exit_code == 0, again.output
    assert {path: path.read_bytes() for path in before} == before
    assert "keeping the virtual key already in ~/.claude/settings.json" in again.output
    assert "Nothing to change" in again.output
    assert scratch.cbcfg("apply", "local", "--check", key=None).exit_code == 0


def test_switching_without_a_key_reuses_it_in_the_new_profiles_variable(scratch: Scratch) -> None:
    profiles = write(
        scratch.root / "p" / "token.toml", 'extends = "bedrock"\n[gateway]\nkey_env = "ANTHROPIC_AUTH_TOKEN"\n'
    ).parent
    assert apply(scratch, "local", "-t", "code").exit_code == 0
    assert apply(scratch, "bedrock", "-t", "code", key=None).exit_code == 0  # require_key: the key in place
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == KEY
    moved = scratch.cbcfg("apply", "token", "-t", "code", "--profiles-dir", str(profiles), "--yes", key=None)
    assert moved.exit_code == 0, moved.output
    env = read_json(scratch.settings)["env"]
    assert env["ANTHROPIC_AUTH_TOKEN"] == KEY and "ANTHROPIC_API_KEY" not in env


def test_a_new_key_replaces_the_one_in_place_and_remove_key_removes_it(scratch: Scratch) -> None:
    assert apply(scratch, "local", "--desktop-mcp", "url").exit_code == 0
    assert apply(scratch, "local", "--desktop-mcp", "url", key=OTHER_KEY).exit_code == 0
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == OTHER_KEY
    both = scratch.cbcfg("apply", "local", "--yes", "--desktop-mcp", "url", "--remove-key", key=OTHER_KEY)
    assert both.exit_code == 2 and "--remove-key" in both.error_line()
    removed = scratch.cbcfg("apply", "local", "--yes", "--desktop-mcp", "url", "--remove-key", key=None)
    assert removed.exit_code == 0, removed.output
    assert read_json(scratch.settings) == {"env": {"ANTHROPIC_BASE_URL": BASE}}
    assert read_json(scratch.desktop) == {"mcpServers": {"bifrost": {"url": "http://localhost:8080/mcp"}}}


def test_a_key_changed_by_hand_is_not_taken_as_the_key_in_place(scratch: Scratch) -> None:
    assert apply(scratch, "bedrock", "-t", "code").exit_code == 0
    scratch.settings.write_text(scratch.settings.read_text().replace(KEY, OTHER_KEY))
    result = scratch.cbcfg("apply", "bedrock", "-t", "code", "--yes", key=None)
    assert result.exit_code == 5, result.output
    assert "needs a Bifrost virtual key" in result.error_line()


# --- a project's key is never committable (issue 12, item 6) -------------------------------------


def _git(project: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "XDG_CONFIG_HOME": str(home / ".config")}
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, env=env, check=False)


@pytest.mark.parametrize("git_home", ["cbcfg's home", "another home"])
def test_code_local_is_git_ignored_before_the_key_is_written(scratch: Scratch, git_home: str) -> None:
    home = scratch.home if git_home == "cbcfg's home" else scratch.root / "real-home"
    home.mkdir(exist_ok=True)
    assert _git(scratch.project, "init", "-q", home=home).returncode == 0
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "GIT_CONFIG_NOSYSTEM": "1"}
    result = scratch.cbcfg("apply", "local", "-t", "code-local", "--yes", key=KEY, env=env)
    assert result.exit_code == 0, result.output
    local = scratch.project / ".claude" / "settings.local.json"
    assert read_json(local)["env"]["ANTHROPIC_API_KEY"] == KEY
    assert _git(scratch.project, "status", "--porcelain", "--untracked-files=all", home=home).stdout.strip() == ""
    ignored = _git(scratch.project, "check-ignore", "-v", ".claude/settings.local.json", home=home)
    assert ignored.returncode == 0, ignored.stderr
    if git_home == "cbcfg's home":  # the user's global excludes file, as Claude Code writes it
        assert ignored.stdout.startswith(f"{home}/.config/git/ignore:1:**/.claude/settings.local.json")
    else:  # another user's home: this repository's own exclude file
        assert ".git/info/exclude" in ignored.stdout and "/.claude/settings.local.json" in ignored.stdout
    assert "git now ignores" in result.output
    again = scratch.cbcfg("apply", "local", "-t", "code-local", "--yes", key=KEY, env=env)
    assert "git now ignores" not in again.output  # one rule, added once


def test_a_tracked_code_local_file_is_refused_with_the_fix(scratch: Scratch) -> None:
    home = scratch.root / "real-home"
    home.mkdir(exist_ok=True)
    local = write(scratch.project / ".claude" / "settings.local.json", '{"permissions": {"allow": []}}\n')
    assert _git(scratch.project, "init", "-q", home=home).returncode == 0
    assert _git(scratch.project, "add", ".claude/settings.local.json", home=home).returncode == 0
    before = local.read_bytes()
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "GIT_CONFIG_NOSYSTEM": "1"}
    result = scratch.cbcfg("apply", "local", "-t", "code-local", "--yes", key=KEY, env=env)
    assert result.exit_code == 5, result.output
    line = result.error_line()
    assert "is tracked by git" in line and "git rm --cached .claude/settings.local.json" in line
    assert local.read_bytes() == before
    without_key = scratch.cbcfg("apply", "local", "-t", "code-local", "--yes", env=env)
    assert without_key.exit_code == 0, without_key.output  # no key: nothing to keep out of git


# --- another platform's system paths need --system-root (issue 12, item 10) ----------------------


@pytest.mark.parametrize("platform", ["windows", "macos"])
def test_another_platforms_managed_settings_are_refused_without_a_system_root(scratch: Scratch, platform: str) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("apply", "local", "-t", "managed", "-t", "code", "--platform", platform, "--yes", key=KEY)
    assert result.exit_code == 2, result.output
    assert "--system-root" in result.error_line()
    assert scratch.tree() == before
    assert not any(path.name.startswith("C:") for path in scratch.project.iterdir())
    user_scope = scratch.cbcfg("apply", "local", "-t", "code", "--platform", platform, "--yes", key=KEY)
    assert user_scope.exit_code == 0, user_scope.output
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == KEY
