"""doctor's local checks, each in its ok state and each state it warns or fails about.

The files are real: written by the real ``cbcfg apply`` into a scratch home (tests/cli_helpers.py)
and then changed the way a user, Claude Code or a platform team would change them. The checks
then read them through the same context doctor builds.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from claude_bifrost_cfg.checks import (
    desktop_mcp,
    effective_settings,
    key_exposure,
    key_format,
    opus_pin,
    project_mcp,
    target_files,
)
from claude_bifrost_cfg.checks.base import CheckResult, Level
from claude_bifrost_cfg.checks.context import LocalCheck, LocalContext
from claude_bifrost_cfg.checks.local import LOCAL_CHECKS, run_local_checks
from claude_bifrost_cfg.inputs import resolve_inputs
from claude_bifrost_cfg.layers import read_layers, resolution_keys, resolve
from claude_bifrost_cfg.layout import Platform, Roots, resolve_layout
from claude_bifrost_cfg.profiles import load_profile, profile_sources
from claude_bifrost_cfg.source import build_source
from claude_bifrost_cfg.transaction import load_records
from tests.cli_helpers import KEY, NON_BIFROST_KEY, Scratch, read_json, scratch, targets_args, write

__all__ = ["scratch"]

BASE_URL = "http://localhost:8080/anthropic"
SONNET = "bedrock/global.anthropic.claude-sonnet-4-6"
HAIKU = "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0"
OPUS = "bedrock/global.anthropic.claude-opus-4-6-v1"


def context(
    scratch: Scratch, profile: str | None = None, profiles_dir: Path | None = None, key: str | None = None
) -> LocalContext:
    """What `cbcfg doctor [--profile P]` builds for its local checks, on Linux, never the real /etc."""
    roots = Roots(Platform.LINUX, scratch.home, scratch.project, scratch.system_root, home_overridden=True)
    layout = resolve_layout(roots, os.environ)
    records = load_records(layout.state_dir)
    layers = read_layers(layout, os.environ)
    effective = {item.key: item for item in resolve(layers, resolution_keys(), records)}
    loaded = rendered = None
    if profile is not None:
        loaded = load_profile(profile, profile_sources(profiles_dir, layout.user_profiles_dir))
        inputs = resolve_inputs(loaded, None, {}, key, allow_insecure=True, need_key=False)
        rendered = build_source(loaded, inputs.gateway_url, inputs.key)
    return LocalContext(layout, records, layers, effective, loaded, rendered)


def run(check: LocalCheck, ctx: LocalContext) -> list[CheckResult]:
    results = check.run(ctx)
    for row in results:
        assert row.check == check.name
        assert KEY not in row.message + row.fix and NON_BIFROST_KEY not in row.message + row.fix, row
        assert "\n" not in row.message + row.fix, row
        assert row.level in (Level.OK, Level.INFO) or row.fix, f"a problem without a fix: {row}"
    return results


def levels(results: Sequence[CheckResult]) -> list[Level]:
    return [row.level for row in results]


def only(results: Sequence[CheckResult], level: Level) -> CheckResult:
    (row,) = [row for row in results if row.level is level]
    return row


def apply(scratch: Scratch, profile: str, *targets: str, extra: Sequence[str] = ()) -> None:
    result = scratch.cbcfg(
        "apply", profile, *targets_args(targets), "--system-root", str(scratch.system_root), "--yes", *extra, key=KEY
    )
    assert result.exit_code == 0, result.output


def settings_file(path: Path, env: dict[str, str] | None = None, **members: object) -> Path:
    document: dict[str, object] = dict(members)
    if env is not None:
        document["env"] = env
    return write(path, json.dumps(document, indent=2) + "\n")


@pytest.fixture
def project_local(scratch: Scratch) -> Path:
    return scratch.project / ".claude" / "settings.local.json"


@pytest.fixture
def managed(scratch: Scratch) -> Path:
    return scratch.system_root / "etc" / "claude-code" / "managed-settings.json"


# -- every check at once ------------------------------------------------------------------------


def test_after_applying_a_provider_profile_nothing_is_worse_than_info(scratch: Scratch) -> None:
    apply(scratch, "bedrock", extra=["--desktop-mcp", "url"])
    # A returning user of Claude Code, who approved the key at its prompt (first-run warns until
    # then: tests/checks/test_first_run_check.py).
    approved = {"hasCompletedOnboarding": True, "customApiKeyResponses": {"approved": [KEY[-20:]], "rejected": []}}
    scratch.claude_json.write_text(json.dumps(approved), encoding="utf-8")

    results = run_local_checks(context(scratch))

    # project-mcp: no project here; key-mode: silent in key mode ``key`` (key-format judges the key).
    assert {row.check for row in results} == {check.name for check in LOCAL_CHECKS} - {"project-mcp", "key-mode"}
    assert {row.level for row in results} <= {Level.OK, Level.INFO}
    assert only([r for r in results if r.check == "desktop-mcp"], Level.INFO).message.startswith("url entry")


def test_a_crashing_check_becomes_an_error_row_and_the_others_still_run(scratch: Scratch) -> None:
    class Broken:
        name = "broken"
        summary = "always crashes"
        network = False

        @staticmethod
        def run(ctx: LocalContext) -> list[CheckResult]:
            raise RuntimeError("boom")

    results = run_local_checks(context(scratch), [Broken(), key_exposure])

    assert [(row.check, row.level) for row in results] == [("broken", Level.ERROR), ("key-exposure", Level.OK)]
    assert "RuntimeError: boom" in results[0].message


# -- files --------------------------------------------------------------------------------------


def test_files_ok_names_the_profile_applied_to_each_file(scratch: Scratch) -> None:
    apply(scratch, "local")

    results = run(target_files, context(scratch))

    assert levels(results) == [Level.OK, Level.OK]
    assert results[0].message == "~/.claude/settings.json (code): profile local, no drift"
    assert results[1].message == "~/.config/Claude/claude_desktop_config.json (desktop): profile local, no drift"


def test_files_in_a_fresh_home(scratch: Scratch) -> None:
    (row,) = run(target_files, context(scratch))

    assert row.level is Level.INFO
    assert "no Claude or cbcfg files" in row.message


def test_files_a_file_cbcfg_did_not_write_is_info(scratch: Scratch) -> None:
    settings_file(scratch.settings, {"ANTHROPIC_BASE_URL": BASE_URL})

    (row,) = run(target_files, context(scratch))

    assert row.level is Level.INFO
    assert row.message == "~/.claude/settings.json (code): present, not written by cbcfg"


def test_files_a_file_cbcfg_wrote_then_deleted_fails(scratch: Scratch) -> None:
    apply(scratch, "local", "code")
    scratch.settings.unlink()

    (row,) = run(target_files, context(scratch))

    assert row.level is Level.FAILED
    assert row.message == "~/.claude/settings.json (code): missing, but cbcfg wrote it (profile local)"
    assert row.fix == "cbcfg apply local"


def test_files_an_unparseable_file_fails_with_where(scratch: Scratch) -> None:
    apply(scratch, "local", "code")
    scratch.settings.write_text('{"env": {"ANTHROPIC_BASE_URL": "x",}}\n', encoding="utf-8")

    (row,) = run(target_files, context(scratch))

    assert row.level is Level.FAILED
    assert "~/.claude/settings.json" in row.message
    assert str(scratch.home) not in row.message  # the home is shown as ~


def test_files_a_schema_invalid_file_warns(scratch: Scratch) -> None:
    apply(scratch, "local", "code")
    document = read_json(scratch.settings)
    document["env"]["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] = 4096  # env values must be strings
    document["permissions"] = {"defaultMode": "sometimes"}
    scratch.settings.write_text(json.dumps(document), encoding="utf-8")

    results = run(target_files, context(scratch))

    warning = only(results, Level.WARNING)
    assert warning.message.startswith("~/.claude/settings.json: does not match Claude Code's settings schema: ")
    assert "(+1 more)" in warning.message
    assert only(results, Level.OK).message.endswith("profile local, no drift")  # foreign keys are not drift


def test_files_a_key_changed_by_hand_is_drift(scratch: Scratch) -> None:
    apply(scratch, "bedrock", "code")
    document = read_json(scratch.settings)
    document["env"]["ANTHROPIC_BASE_URL"] = "http://elsewhere:8080/anthropic"
    document["env"]["ANTHROPIC_DEFAULT_OPUS_MODEL"] = "claude-opus-4-6"
    scratch.settings.write_text(json.dumps(document), encoding="utf-8")

    (row,) = run(target_files, context(scratch))

    assert row.level is Level.WARNING
    assert row.message.startswith(
        "~/.claude/settings.json (code): 2 key(s) changed since cbcfg applied profile bedrock"
    )
    assert "/env/ANTHROPIC_BASE_URL" in row.message and "/env/ANTHROPIC_DEFAULT_OPUS_MODEL" in row.message
    assert row.fix.startswith("cbcfg apply bedrock --force")


def test_files_profile_not_applied_yet(scratch: Scratch) -> None:
    """doctor --profile P before `cbcfg apply P`: each of P's files is reported absent."""
    results = run(target_files, context(scratch, "bedrock"))

    assert levels(results) == [Level.WARNING, Level.WARNING]
    assert [row.message for row in results] == [
        "~/.claude/settings.json (code): absent",
        "~/.config/Claude/claude_desktop_config.json (desktop): absent",
    ]
    assert {row.fix for row in results} == {"cbcfg apply bedrock"}


def test_files_another_profile_applied_than_the_one_asked_about(scratch: Scratch) -> None:
    apply(scratch, "local")

    results = run(target_files, context(scratch, "bedrock", key=KEY))

    assert levels(results) == [Level.OK, Level.WARNING, Level.OK]
    pending = results[1]
    assert pending.message == "~/.claude/settings.json: profile bedrock not applied here (3 change(s) pending)"
    assert pending.fix == "cbcfg diff bedrock, then cbcfg apply bedrock"
    assert run(target_files, context(scratch, "local", key=KEY)) == run(target_files, context(scratch))


# -- settings (effective settings across layers) ------------------------------------------------


def test_settings_ok_names_the_winning_layer(scratch: Scratch) -> None:
    apply(scratch, "local", "code")

    (row,) = run(effective_settings, context(scratch))

    assert row.level is Level.OK
    assert row.message == f"ANTHROPIC_BASE_URL = {BASE_URL} (from user ~/.claude/settings.json)"


def test_settings_no_base_url_anywhere_fails(scratch: Scratch) -> None:
    settings_file(scratch.settings, {"ANTHROPIC_API_KEY": KEY})

    (row,) = run(effective_settings, context(scratch))

    assert row.level is Level.FAILED
    assert "no layer sets ANTHROPIC_BASE_URL" in row.message


def test_settings_a_base_url_that_is_not_the_anthropic_route_warns(scratch: Scratch) -> None:
    settings_file(scratch.settings, {"ANTHROPIC_BASE_URL": "http://localhost:8080"})

    (row,) = run(effective_settings, context(scratch))

    assert row.level is Level.WARNING
    assert "http://localhost:8080 (user ~/.claude/settings.json) is not a Bifrost /anthropic route" in row.message
    assert "<gateway>/anthropic" in row.fix


@pytest.mark.parametrize("url", ["localhost:8080/anthropic", "ftp://localhost/anthropic", "/anthropic", ""])
def test_settings_a_base_url_that_is_no_http_url_fails(scratch: Scratch, url: str) -> None:
    settings_file(scratch.settings, {"ANTHROPIC_BASE_URL": url})

    (row,) = run(effective_settings, context(scratch))

    assert row.level is Level.FAILED
    assert row.message == (
        f"ANTHROPIC_BASE_URL = {url} (user ~/.claude/settings.json) is not an http:// or https:// URL: "
        "Claude Code cannot use it"
    )


def test_settings_no_base_url_with_doctor_profile_names_that_profile(scratch: Scratch) -> None:
    (row,) = run(effective_settings, context(scratch, "vertex", key=KEY))

    assert (row.level, row.fix) == (Level.FAILED, "cbcfg apply vertex")


def test_settings_the_shell_environment_counts_below_every_file(
    scratch: Scratch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9999/anthropic")

    (row,) = run(effective_settings, context(scratch))
    assert (row.level, row.message) == (
        Level.OK,
        "ANTHROPIC_BASE_URL = http://127.0.0.1:9999/anthropic (from the process environment)",
    )

    apply(scratch, "local", "code")
    (row,) = run(effective_settings, context(scratch))
    assert row.message == f"ANTHROPIC_BASE_URL = {BASE_URL} (from user ~/.claude/settings.json)"


def test_settings_a_project_local_file_overriding_cbcfg_warns(scratch: Scratch, project_local: Path) -> None:
    apply(scratch, "bedrock", "code")
    settings_file(project_local, {"ANTHROPIC_BASE_URL": "http://127.0.0.1:7777/anthropic", "ANTHROPIC_MODEL": SONNET})

    results = run(effective_settings, context(scratch))

    assert results[0].level is Level.OK  # a base URL Claude Code will use...
    assert "(from project-local " in results[0].message
    (warning,) = results[1:]  # ...but not the one cbcfg wrote; ANTHROPIC_MODEL overrides nothing cbcfg wrote
    assert warning.level is Level.WARNING
    assert warning.message == (
        f"ANTHROPIC_BASE_URL: the project-local layer ({project_local}) overrides what cbcfg wrote in "
        "~/.claude/settings.json (profile bedrock)"
    )
    assert warning.fix == f"remove ANTHROPIC_BASE_URL from {project_local}, or apply the profile to that layer " + (
        "(cbcfg explain ANTHROPIC_BASE_URL)"
    )


def test_settings_the_same_value_in_a_higher_layer_is_no_override(scratch: Scratch, project_local: Path) -> None:
    apply(scratch, "local", "code")
    settings_file(project_local, {"ANTHROPIC_BASE_URL": BASE_URL})

    assert levels(run(effective_settings, context(scratch))) == [Level.OK]


def test_settings_a_managed_file_overriding_cbcfg_warns(scratch: Scratch, managed: Path) -> None:
    apply(scratch, "bedrock", "code")
    settings_file(managed, {"ANTHROPIC_DEFAULT_OPUS_MODEL": "claude-opus-4-6"})

    results = run(effective_settings, context(scratch))

    warning = only(results, Level.WARNING)
    assert warning.message.startswith(f"ANTHROPIC_DEFAULT_OPUS_MODEL: the managed layer ({managed}) overrides")


def test_settings_managed_drop_ins_win_over_the_managed_file_and_the_last_name_wins(
    scratch: Scratch, managed: Path
) -> None:
    apply(scratch, "local", "code")
    settings_file(managed, {"ANTHROPIC_BASE_URL": "https://main.example/anthropic"})
    drop_ins = managed.parent / "managed-settings.d"
    settings_file(drop_ins / "20-team.json", {"ANTHROPIC_BASE_URL": "https://team.example/anthropic"})
    settings_file(drop_ins / "10-base.json", {"ANTHROPIC_BASE_URL": "https://base.example/anthropic"})
    write(drop_ins / "30-notes.txt", "not a drop-in")

    results = run(effective_settings, context(scratch))

    assert results[0].message == (
        f"ANTHROPIC_BASE_URL = https://team.example/anthropic (from managed {drop_ins / '20-team.json'})"
    )
    assert only(results, Level.WARNING).message.startswith(
        f"ANTHROPIC_BASE_URL: the managed layer ({drop_ins / '20-team.json'}) overrides what cbcfg wrote"
    )


def test_settings_doctor_profile_names_values_that_differ_from_the_profile(
    scratch: Scratch, project_local: Path
) -> None:
    apply(scratch, "local", "code")
    settings_file(project_local, {"ANTHROPIC_DEFAULT_SONNET_MODEL": "vertex/claude-sonnet-4-6"})

    results = run(effective_settings, context(scratch, "bedrock", key=KEY))

    messages = [row.message for row in results if row.level is Level.WARNING]
    assert (
        f"ANTHROPIC_DEFAULT_SONNET_MODEL: Claude Code will use 'vertex/claude-sonnet-4-6' from {project_local}, "
        f"not the profile's '{SONNET}'" in messages
    )
    assert all("ANTHROPIC_BASE_URL" not in message for message in messages)  # same URL: no complaint


def test_settings_an_unreadable_layer_fails(scratch: Scratch) -> None:
    apply(scratch, "local", "code")
    write(
        scratch.project / ".claude" / "settings.json", '{"env": {"ANTHROPIC_BASE_URL": "a", "ANTHROPIC_BASE_URL": "b"}}'
    )

    results = run(effective_settings, context(scratch))

    failed = only(results, Level.FAILED)
    assert failed.message.startswith("cannot read the project layer: ")
    assert "duplicate" in failed.message


# -- key-format ---------------------------------------------------------------------------------


def test_key_format_ok_shows_the_key_masked(scratch: Scratch) -> None:
    apply(scratch, "local", "code")

    (row,) = run(key_format, context(scratch))

    assert row.level is Level.OK
    assert row.message == f"ANTHROPIC_API_KEY = sk-bf-…{KEY[-4:]} (from user ~/.claude/settings.json)"


def test_key_format_an_auth_token_is_checked_too(scratch: Scratch) -> None:
    settings_file(scratch.settings, {"ANTHROPIC_AUTH_TOKEN": KEY})

    (row,) = run(key_format, context(scratch))

    assert (row.level, row.message.split(" = ")[0]) == (Level.OK, "ANTHROPIC_AUTH_TOKEN")


def test_key_format_a_key_that_is_not_a_bifrost_key_warns(scratch: Scratch) -> None:
    settings_file(scratch.settings, {"ANTHROPIC_API_KEY": NON_BIFROST_KEY})

    (row,) = run(key_format, context(scratch))

    assert row.level is Level.WARNING
    assert row.message.startswith(f"ANTHROPIC_API_KEY (user ~/.claude/settings.json) = …{NON_BIFROST_KEY[-4:]} ")
    assert "does not start with sk-bf-" in row.message
    assert "Virtual Keys" in row.fix


def test_key_format_no_key_at_all_warns(scratch: Scratch) -> None:
    settings_file(scratch.settings, {"ANTHROPIC_BASE_URL": BASE_URL})

    (row,) = run(key_format, context(scratch))

    assert row.level is Level.WARNING
    assert row.message.startswith("no virtual key is configured")


def test_key_format_api_key_helper_is_reported(scratch: Scratch, project_local: Path) -> None:
    settings_file(project_local, apiKeyHelper="~/bin/print-bifrost-key")

    (row,) = run(key_format, context(scratch))

    assert row.level is Level.INFO
    assert row.message.startswith("apiKeyHelper is set")


# -- opus-pin -----------------------------------------------------------------------------------


def test_opus_pin_ok_when_all_three_tiers_are_pinned(scratch: Scratch) -> None:
    apply(scratch, "bedrock", "code")

    (row,) = run(opus_pin, context(scratch))

    assert row.level is Level.OK
    assert row.message == f"model tiers pinned: sonnet={SONNET}, opus={OPUS}, haiku={HAIKU}"


def test_opus_pin_nothing_pinned_is_info(scratch: Scratch) -> None:
    apply(scratch, "local", "code")

    assert levels(run(opus_pin, context(scratch))) == [Level.INFO]


def test_opus_pin_sonnet_and_haiku_without_opus_warns(scratch: Scratch) -> None:
    env = {"ANTHROPIC_DEFAULT_SONNET_MODEL": SONNET, "ANTHROPIC_DEFAULT_HAIKU_MODEL": HAIKU}
    settings_file(scratch.settings, env)

    (row,) = run(opus_pin, context(scratch))

    assert row.level is Level.WARNING
    assert row.message.startswith("sonnet, haiku pinned but not opus")
    assert "ANTHROPIC_DEFAULT_OPUS_MODEL" in row.fix


@pytest.mark.parametrize("choice", [{"env": {"ANTHROPIC_MODEL": SONNET}}, {"model": SONNET}])
def test_opus_pin_a_chosen_default_model_is_enough(scratch: Scratch, choice: dict[str, Any]) -> None:
    env = {"ANTHROPIC_DEFAULT_SONNET_MODEL": SONNET, "ANTHROPIC_DEFAULT_HAIKU_MODEL": HAIKU}
    settings_file(scratch.settings, {**env, **choice.get("env", {})}, **{k: v for k, v in choice.items() if k != "env"})

    assert levels(run(opus_pin, context(scratch))) == [Level.OK]


def test_opus_pin_a_profile_that_pins_only_sonnet_and_haiku(scratch: Scratch) -> None:
    profiles = scratch.root / "profiles"
    write(
        profiles / "team.toml",
        f'description = "sonnet and haiku only"\nextends = "local"\n\n'
        f'[models]\nsonnet = "{SONNET}"\nhaiku = "{HAIKU}"\n',
    )

    results = run(opus_pin, context(scratch, "team", profiles))

    warning = results[0]
    assert warning.level is Level.WARNING
    assert warning.message.startswith("profile team pins sonnet/haiku but not opus")
    assert "[models]" in warning.fix

    # Applied, the same gap shows up in what Claude Code reads.
    assert scratch.cbcfg("apply", "team", "-t", "code", "--profiles-dir", str(profiles), "--yes").exit_code == 0
    assert levels(run(opus_pin, context(scratch, "team", profiles))) == [Level.WARNING, Level.WARNING]


# -- key-exposure -------------------------------------------------------------------------------


def test_key_exposure_ok_after_apply(scratch: Scratch) -> None:
    apply(scratch, "local", "code", "desktop", "code-mcp", "code-local")

    (row,) = run(key_exposure, context(scratch))

    assert row.level is Level.OK
    assert row.message == "4 file(s) hold a key; all private, none committed"


def test_key_exposure_nothing_holds_a_key(scratch: Scratch) -> None:
    apply(scratch, "local", "project-mcp")  # only ${BIFROST_VIRTUAL_KEY}: no key in the file

    (row,) = run(key_exposure, context(scratch))

    assert (row.level, row.message) == (Level.OK, "no file holds a key in plain text")


def test_key_exposure_a_key_file_readable_by_others_fails(scratch: Scratch) -> None:
    apply(scratch, "local")
    scratch.settings.chmod(0o644)

    (row,) = run(key_exposure, context(scratch))

    assert row.level is Level.FAILED
    assert row.message == "~/.claude/settings.json holds a key and is readable by others (mode 0644)"
    assert row.fix == "chmod 600 ~/.claude/settings.json"


def test_key_exposure_a_bridge_entry_holds_the_key_in_its_env(scratch: Scratch) -> None:
    apply(scratch, "local", "desktop", extra=["--desktop-mcp", "bridge"])
    scratch.desktop.chmod(0o640)

    (row,) = run(key_exposure, context(scratch))

    assert row.level is Level.FAILED
    assert row.message.startswith("~/.config/Claude/claude_desktop_config.json holds a key")


def test_key_exposure_managed_settings_are_root_readable_by_design(scratch: Scratch, managed: Path) -> None:
    settings_file(managed, {"ANTHROPIC_API_KEY": KEY})
    managed.chmod(0o644)

    assert levels(run(key_exposure, context(scratch))) == [Level.OK]


def git(project: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)


def test_key_exposure_a_key_in_a_git_tracked_project_file_fails(scratch: Scratch) -> None:
    shared = scratch.project / ".claude" / "settings.json"
    settings_file(shared, {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": BASE_URL})
    shared.chmod(0o600)
    git(scratch.project, "init", "-q")

    assert levels(run(key_exposure, context(scratch))) == [Level.OK]  # not tracked (yet)

    git(scratch.project, "add", ".claude/settings.json")
    (row,) = run(key_exposure, context(scratch))

    assert row.level is Level.FAILED
    assert row.message == f"{shared} holds a key and is tracked by git"
    assert "${BIFROST_VIRTUAL_KEY}" in row.fix and "rotate the key" in row.fix


def test_key_exposure_a_tracked_file_with_only_the_variable_reference_is_fine(scratch: Scratch) -> None:
    apply(scratch, "local", "project-mcp")
    git(scratch.project, "init", "-q")
    git(scratch.project, "add", ".mcp.json")

    assert levels(run(key_exposure, context(scratch))) == [Level.OK]


# -- desktop-mcp --------------------------------------------------------------------------------


def test_desktop_mcp_no_desktop_config(scratch: Scratch) -> None:
    (row,) = run(desktop_mcp, context(scratch))

    assert row.level is Level.INFO
    assert row.message == "no Claude Desktop config at ~/.config/Claude/claude_desktop_config.json"


def test_desktop_mcp_a_config_without_the_bifrost_server(scratch: Scratch) -> None:
    write(scratch.desktop, '{"mcpServers": {"files": {"command": "mcp-files"}}}')

    (row,) = run(desktop_mcp, context(scratch))

    assert row.level is Level.INFO
    assert row.message.startswith("no 'bifrost' MCP server in ~/.config/Claude/claude_desktop_config.json")


def test_desktop_mcp_a_url_entry_carries_the_caveat(scratch: Scratch) -> None:
    apply(scratch, "local", "desktop", extra=["--desktop-mcp", "url"])

    (row,) = run(desktop_mcp, context(scratch))

    assert row.level is Level.INFO
    assert row.message.startswith("url entry")
    assert "--desktop-mcp bridge" in row.fix


@pytest.fixture
def bin_dir(scratch: Scratch, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH holding only this folder."""
    folder = scratch.root / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def test_desktop_mcp_a_bridge_entry_with_npx_on_path(scratch: Scratch, bin_dir: Path) -> None:
    apply(scratch, "local", "desktop", extra=["--desktop-mcp", "bridge"])
    npx = write(bin_dir / "npx", "#!/bin/sh\nexit 0\n")
    npx.chmod(0o755)

    (row,) = run(desktop_mcp, context(scratch))

    assert row.level is Level.OK
    assert row.message.startswith("stdio bridge entry")


def test_desktop_mcp_a_bridge_entry_without_npx_warns(scratch: Scratch, bin_dir: Path) -> None:
    apply(scratch, "local", "desktop", extra=["--desktop-mcp", "bridge"])

    (row,) = run(desktop_mcp, context(scratch))

    assert row.level is Level.WARNING
    assert row.message == "stdio bridge entry, but 'npx' is not on PATH"
    assert "--desktop-mcp url" in row.fix


def test_desktop_mcp_an_unparseable_config_is_left_to_the_files_check(scratch: Scratch) -> None:
    write(scratch.desktop, "{")

    assert run(desktop_mcp, context(scratch)) == []
    assert levels(run(target_files, context(scratch))) == [Level.FAILED]


# -- project-mcp --------------------------------------------------------------------------------


def test_project_mcp_without_a_project_entry_says_nothing(scratch: Scratch) -> None:
    assert run(project_mcp, context(scratch)) == []
    write(scratch.project / ".mcp.json", '{"mcpServers": {"other": {"type": "http", "url": "http://x"}}}')
    assert run(project_mcp, context(scratch)) == []


def test_project_mcp_the_key_variable_unset_and_not_approved(scratch: Scratch) -> None:
    apply(scratch, "local", "project-mcp")

    results = run(project_mcp, context(scratch))

    assert levels(results) == [Level.WARNING, Level.INFO]
    assert results[0].message == (
        f"{scratch.project / '.mcp.json'} sends Bearer ${{BIFROST_VIRTUAL_KEY}}, but BIFROST_VIRTUAL_KEY is set "
        "neither in this environment nor in a settings env"
    )
    assert results[1].message.startswith("project MCP server 'bifrost' waits for your approval")


def test_project_mcp_the_key_variable_set_in_the_environment(scratch: Scratch, monkeypatch: pytest.MonkeyPatch) -> None:
    apply(scratch, "local", "project-mcp")
    monkeypatch.setenv("BIFROST_VIRTUAL_KEY", KEY)

    assert levels(run(project_mcp, context(scratch))) == [Level.INFO]


def test_project_mcp_the_key_variable_set_in_a_settings_env(scratch: Scratch) -> None:
    apply(scratch, "local", "project-mcp")
    settings_file(scratch.settings, {"BIFROST_VIRTUAL_KEY": KEY})

    assert levels(run(project_mcp, context(scratch))) == [Level.INFO]


@pytest.mark.parametrize(
    "approval", [{"enabledMcpjsonServers": ["bifrost"]}, {"enableAllProjectMcpServers": True}], ids=["by-name", "all"]
)
def test_project_mcp_approved_in_the_user_settings(scratch: Scratch, approval: dict[str, object]) -> None:
    apply(scratch, "local", "project-mcp")
    settings_file(scratch.settings, {"BIFROST_VIRTUAL_KEY": KEY}, **approval)

    (row,) = run(project_mcp, context(scratch))

    assert row.level is Level.OK
    assert row.message == "project MCP server 'bifrost' is approved in your user settings"


def test_project_mcp_approving_another_name_is_not_approval(scratch: Scratch) -> None:
    apply(scratch, "local", "project-mcp")
    settings_file(scratch.settings, {"BIFROST_VIRTUAL_KEY": KEY}, enabledMcpjsonServers=["other"])

    assert levels(run(project_mcp, context(scratch))) == [Level.INFO]


def test_project_mcp_approved_in_the_projects_own_settings_needs_a_trusted_folder(
    scratch: Scratch, project_local: Path
) -> None:
    """Observed (tests/e2e/README.md): an approval in .claude/settings.local.json counts only once the
    folder's trust dialog was accepted (hasTrustDialogAccepted in ~/.claude.json)."""
    apply(scratch, "local", "project-mcp")
    settings_file(project_local, {"BIFROST_VIRTUAL_KEY": KEY}, enabledMcpjsonServers=["bifrost"])
    project = str(scratch.project)
    write(scratch.claude_json, json.dumps({"numStartups": 3, "projects": {project: {"allowedTools": []}}}))

    (row,) = run(project_mcp, context(scratch))
    assert row.level is Level.INFO
    assert row.message == (
        f"project MCP server 'bifrost' is approved in {project_local}, but Claude Code ignores that file "
        "until you accept this folder's trust dialog"
    )

    write(scratch.claude_json, json.dumps({"projects": {project: {"hasTrustDialogAccepted": True}}}))
    (row,) = run(project_mcp, context(scratch))
    assert (row.level, row.message) == (
        Level.OK,
        f"project MCP server 'bifrost' is approved in {project_local} (folder trusted)",
    )


# -- opus-pin: the default model as the client resolves it --------------------------------------

TWO_PINS = {"ANTHROPIC_DEFAULT_SONNET_MODEL": SONNET, "ANTHROPIC_DEFAULT_HAIKU_MODEL": HAIKU}


@pytest.fixture
def layer_files(scratch: Scratch, managed: Path, project_local: Path) -> dict[str, Path]:
    return {
        "managed": managed,
        "project-local": project_local,
        "project": scratch.project / ".claude" / "settings.json",
        "user": scratch.settings,
    }


@pytest.mark.parametrize("layer", ["managed", "project-local", "project", "user"])
@pytest.mark.parametrize("alias", ["opus", "Opus[1m]", "best", "opusplan", "default"])
def test_opus_pin_an_opus_alias_in_any_layer_warns_with_the_layer(
    scratch: Scratch, layer_files: dict[str, Path], layer: str, alias: str
) -> None:
    """sonnet and haiku pinned, the model chosen by an alias that resolves to Opus: unpinned Opus goes out."""
    settings_file(scratch.settings, TWO_PINS)
    chosen = layer_files[layer]
    if chosen == scratch.settings:
        settings_file(chosen, TWO_PINS, model=alias)
    else:
        settings_file(chosen, model=alias)

    (row,) = run(opus_pin, context(scratch))

    assert row.level is Level.WARNING, row
    assert "claude-opus-…" in row.message
    assert f"model = {alias!r}" in row.message
    assert layer in row.message  # which layer chose it
    assert "ANTHROPIC_DEFAULT_OPUS_MODEL" in row.fix


@pytest.mark.parametrize("where", ["settings", "shell"])
def test_opus_pin_anthropic_model_opus_warns(scratch: Scratch, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    if where == "settings":
        settings_file(scratch.settings, {**TWO_PINS, "ANTHROPIC_MODEL": "opus"})
    else:
        settings_file(scratch.settings, TWO_PINS)
        monkeypatch.setenv("ANTHROPIC_MODEL", "opus")

    (row,) = run(opus_pin, context(scratch))

    assert row.level is Level.WARNING
    assert "ANTHROPIC_MODEL = 'opus'" in row.message
    assert ("process environment" in row.message) is (where == "shell")
    assert "claude-opus-…" in row.message


def test_opus_pin_anthropic_model_wins_over_the_model_setting(scratch: Scratch) -> None:
    """ANTHROPIC_MODEL (any layer's env) beats `model` (even managed), as in the client."""
    settings_file(scratch.settings, {**TWO_PINS, "ANTHROPIC_MODEL": "sonnet"})
    settings_file(scratch.system_root / "etc/claude-code/managed-settings.json", model="opus")

    (row,) = run(opus_pin, context(scratch))

    assert row.level is Level.OK
    assert row.message.endswith(f"the default model is {SONNET}")


@pytest.mark.parametrize("alias", ["sonnet", "sonnet[1m]", "haiku", SONNET])
def test_opus_pin_an_alias_of_a_pinned_tier_is_ok(scratch: Scratch, alias: str) -> None:
    settings_file(scratch.settings, TWO_PINS, model=alias)

    assert levels(run(opus_pin, context(scratch))) == [Level.OK]


def test_opus_pin_opusplan_with_opus_pinned_is_ok(scratch: Scratch) -> None:
    settings_file(scratch.settings, {**TWO_PINS, "ANTHROPIC_DEFAULT_OPUS_MODEL": OPUS}, model="opusplan")

    (row,) = run(opus_pin, context(scratch))

    assert row.level is Level.OK
    assert row.message.endswith(f"the default model is {SONNET}, {OPUS}")  # works with Sonnet, plans with Opus


# -- key-format: two credentials ----------------------------------------------------------------


def test_key_format_names_two_credentials_their_layers_and_the_one_bifrost_reads(
    scratch: Scratch, project_local: Path
) -> None:
    settings_file(scratch.settings, {"ANTHROPIC_API_KEY": NON_BIFROST_KEY})
    settings_file(project_local, {"ANTHROPIC_AUTH_TOKEN": KEY})

    (row,) = [r for r in run(key_format, context(scratch)) if r.message.startswith("two credentials")]

    assert row.level is Level.WARNING
    assert "ANTHROPIC_API_KEY (user ~/.claude/settings.json)" in row.message
    assert f"ANTHROPIC_AUTH_TOKEN (project-local {project_local})" in row.message
    assert "sends Authorization (Bearer) and x-api-key" in row.message
    assert f"Bifrost reads the Authorization (Bearer) one, sk-bf-…{KEY[-4:]}" in row.message
    assert row.fix == "keep one key: remove ANTHROPIC_API_KEY from ~/.claude/settings.json"


def test_key_format_a_key_variable_beside_an_api_key_helper_is_two_credentials(scratch: Scratch) -> None:
    settings_file(scratch.settings, {"ANTHROPIC_API_KEY": KEY}, apiKeyHelper="/usr/local/bin/get-key")

    rows = run(key_format, context(scratch))

    (row,) = [r for r in rows if r.message.startswith("two credentials")]
    assert "apiKeyHelper (user ~/.claude/settings.json)" in row.message
    assert "apiKeyHelper's output (cbcfg cannot see it)" in row.message  # the Bearer one: the helper's


def test_key_format_one_credential_is_no_conflict(scratch: Scratch) -> None:
    apply(scratch, "local", "code")

    assert not [r for r in run(key_format, context(scratch)) if r.message.startswith("two credentials")]


# -- settings: managed files every user can read ------------------------------------------------


def test_a_managed_file_other_users_cannot_read_fails_even_for_root(scratch: Scratch, managed: Path) -> None:
    """doctor (often run as root) judges for the users managed settings govern: Claude Code, running as
    them, silently skips a file they cannot read."""
    settings_file(managed, {"ANTHROPIC_BASE_URL": BASE_URL})
    drop_in = settings_file(managed.parent / "managed-settings.d" / "50-team.json", {"ANTHROPIC_MODEL": SONNET})
    managed.chmod(0o600)
    drop_in.chmod(0o640)

    rows = [r for r in run(effective_settings, context(scratch)) if r.level is Level.FAILED]

    assert [r.fix for r in rows] == [f"chmod 0644 {drop_in}", f"chmod 0644 {managed}"]
    assert "(mode 0640) is not readable by other users" in rows[0].message

    managed.chmod(0o644)
    drop_in.chmod(0o644)
    assert not [r for r in run(effective_settings, context(scratch)) if r.level is Level.FAILED]


@pytest.mark.parametrize("folder", ["managed-dir", "drop-ins"])
def test_a_managed_folder_other_users_cannot_enter_fails(scratch: Scratch, managed: Path, folder: str) -> None:
    settings_file(managed, {"ANTHROPIC_BASE_URL": BASE_URL})
    settings_file(managed.parent / "managed-settings.d" / "50-team.json", {"ANTHROPIC_MODEL": SONNET})
    path = managed.parent if folder == "managed-dir" else managed.parent / "managed-settings.d"
    path.chmod(0o750)
    try:
        (row,) = [r for r in run(effective_settings, context(scratch)) if r.level is Level.FAILED]
    finally:
        path.chmod(0o755)

    assert row.fix == f"chmod 0755 {path}"
    assert "(mode 0750): other users cannot" in row.message
