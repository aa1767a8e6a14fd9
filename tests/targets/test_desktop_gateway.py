"""desktop-gateway: Claude Desktop's third-party inference as one configuration of its local library.

Real files in a scratch home for every layout (macOS, Windows classic and MSIX, Linux), checked
against the documented format (claude.com/docs/third-party/claude-desktop/configuration): flat keys
with the MDM names, native JSON values, ``_meta.json`` = ``{"appliedId", "entries": [{"id", "name"}]}``.
"""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from claude_bifrost_cfg.desired import desktop_gateway_fragment
from claude_bifrost_cfg.vocabulary import DESKTOP_CONFIG_ID
from tests.cli_helpers import KEY, Scratch, read_json, write
from tests.test_desired import rendered

LIBRARY = {
    "linux": ".config/Claude-3p/configLibrary",
    "macos": "Library/Application Support/Claude-3p/configLibrary",
    "windows": "AppData/Local/Claude-3p/configLibrary",
    "windows-msix": "AppData/Local/Packages/Claude_pzs8sxrjxfjjc/LocalCache/Local/Claude-3p/configLibrary",
}
DESKTOP_CONFIG = {
    "linux": ".config/Claude/claude_desktop_config.json",
    "macos": "Library/Application Support/Claude/claude_desktop_config.json",
    "windows": "AppData/Roaming/Claude/claude_desktop_config.json",
    "windows-msix": "AppData/Local/Packages/Claude_pzs8sxrjxfjjc/LocalCache/Roaming/Claude/claude_desktop_config.json",
}
BEDROCK_MODELS = [
    {"name": "bedrock/global.anthropic.claude-sonnet-4-6", "anthropicFamilyTier": "sonnet"},
    {"name": "bedrock/global.anthropic.claude-opus-4-6-v1", "anthropicFamilyTier": "opus"},
    {"name": "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropicFamilyTier": "haiku"},
]
# Desktop's documented gateway keys and their types (the configuration reference).
DOCUMENTED = {
    "inferenceProvider": str,
    "inferenceGatewayBaseUrl": str,
    "inferenceGatewayApiKey": str,
    "inferenceGatewayAuthScheme": str,
    "inferenceCredentialHelper": str,
    "inferenceModels": list,
}


def apply_gateway(scratch: Scratch, profile: str, *args: str, key: str | None = KEY) -> None:
    result = scratch.cbcfg("apply", profile, "-t", "desktop-gateway", "--yes", *args, key=key)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("layout", list(LIBRARY))
def test_every_layout_gets_the_documented_library(scratch: Scratch, layout: str) -> None:
    platform = layout.split("-")[0]
    if layout == "windows-msix":  # the Store/MSIX install is present under this home
        (scratch.home / "AppData/Local/Packages/Claude_pzs8sxrjxfjjc").mkdir(parents=True)
    apply_gateway(scratch, "bedrock", "--platform", platform)

    library = scratch.home / LIBRARY[layout]
    config = read_json(library / f"{DESKTOP_CONFIG_ID}.json")
    assert config == {
        "inferenceProvider": "gateway",
        "inferenceGatewayBaseUrl": "http://127.0.0.1:8080/anthropic",  # loopback as the literal
        "inferenceGatewayAuthScheme": "bearer",  # Authorization: Bearer, which Bifrost reads
        "inferenceGatewayApiKey": KEY,
        "inferenceModels": BEDROCK_MODELS,  # the pins; the first entry is Desktop's default
    }
    assert all(isinstance(config[name], DOCUMENTED[name]) for name in config)
    assert read_json(library / "_meta.json") == {
        "appliedId": DESKTOP_CONFIG_ID,
        "entries": [{"id": DESKTOP_CONFIG_ID, "name": "Bifrost (cbcfg)"}],
    }
    assert read_json(scratch.home / DESKTOP_CONFIG[layout])["deploymentMode"] == "3p"
    assert stat.S_IMODE((library / f"{DESKTOP_CONFIG_ID}.json").stat().st_mode) == 0o600  # holds the key
    for other in set(LIBRARY.values()) - {LIBRARY[layout]}:
        assert not (scratch.home / other).exists()


def test_msix_detected_by_any_claude_package_folder(scratch: Scratch) -> None:
    (scratch.home / "AppData/Local/Packages/Claude_abc123").mkdir(parents=True)
    apply_gateway(scratch, "local", "--platform", "windows")
    package = scratch.home / "AppData/Local/Packages/Claude_abc123/LocalCache"
    assert (package / "Local/Claude-3p/configLibrary/_meta.json").is_file()
    assert (package / "Roaming/Claude/claude_desktop_config.json").is_file()
    assert not (scratch.home / "AppData/Roaming/Claude").exists()


def test_other_configurations_and_unknown_keys_are_kept_byte_for_byte(scratch: Scratch) -> None:
    library = scratch.home / LIBRARY["linux"]
    meta = (
        '{\n  "version": 17,\n  "appliedId": "a1",\n  "entries": [\n'
        '    {"id": "a1", "name": "Mine", "keepEntryField": true},\n    {"id": "b2", "name": "Work"}\n  ]\n}\n'
    )
    write(library / "_meta.json", meta)
    mine = write(library / "a1.json", '{"inferenceProvider": "vertex", "x": [1, 2]}\n').read_bytes()
    write(scratch.desktop, '{\n  "globalShortcut": "Alt+Space",\n  "deploymentMode": "1p"\n}\n')

    apply_gateway(scratch, "bedrock")

    after = (library / "_meta.json").read_text()
    assert after.startswith(
        '{\n  "version": 17,\n  "appliedId": "00000000-0000-4000-8000-00000000cbcf",\n  "entries": [\n'
        '    {"id": "a1", "name": "Mine", "keepEntryField": true},\n    {"id": "b2", "name": "Work"},\n'
    )
    assert (library / "a1.json").read_bytes() == mine
    assert read_json(scratch.desktop)["globalShortcut"] == "Alt+Space"
    assert read_json(scratch.desktop)["deploymentMode"] == "3p"

    # What the user adds in Desktop's window to cbcfg's configuration stays; re-applying changes nothing.
    ours = library / f"{DESKTOP_CONFIG_ID}.json"
    document = read_json(ours)
    document["coworkEgressAllowedHosts"] = ["*"]
    write(ours, json.dumps(document, indent=2) + "\n")
    check = scratch.cbcfg("apply", "bedrock", "-t", "desktop-gateway", "--check", key=KEY)
    assert check.exit_code == 0, check.output
    assert read_json(ours)["coworkEgressAllowedHosts"] == ["*"]


def test_rollback_gives_back_every_byte(scratch: Scratch) -> None:
    library = scratch.home / LIBRARY["linux"]
    meta = write(library / "_meta.json", '{"appliedId":"a1","entries":[{"id":"a1","name":"Mine"}]}').read_bytes()
    apply_gateway(scratch, "bedrock")
    assert scratch.cbcfg("rollback", "--yes").exit_code == 0
    assert (library / "_meta.json").read_bytes() == meta
    assert not (library / f"{DESKTOP_CONFIG_ID}.json").exists()


def test_plain_http_to_another_host_is_refused_even_with_allow_insecure(scratch: Scratch) -> None:
    result = scratch.cbcfg(
        "apply",
        "local",
        "-t",
        "desktop-gateway",
        "--gateway-url",
        "http://bifrost.lan:8080",
        "--allow-insecure",
        "--yes",
        key=KEY,
    )
    assert result.exit_code == 5, result.output  # refused
    assert "Claude Desktop refuses http://bifrost.lan:8080/anthropic" in result.error_line()
    assert "https" in result.error_line()
    assert not (scratch.home / LIBRARY["linux"]).exists()


def test_a_model_desktop_would_reject_is_left_out_with_a_note(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    write(
        folder / "mixed.toml",
        'extends = "local"\n[models]\nsonnet = "anthropic/claude-sonnet-4-6"\nopus = "openai/gpt-5"\n',
    )
    fragment = desktop_gateway_fragment(rendered("mixed", folder=folder))
    assert fragment.wanted["/inferenceModels"] == [
        {"name": "anthropic/claude-sonnet-4-6", "anthropicFamilyTier": "sonnet"}
    ]
    (note,) = [n for n in fragment.notes if "openai/gpt-5" in n]
    assert "opus pin 'openai/gpt-5' left out" in note and "refuses the whole list" in note


def test_without_a_key_the_field_holds_a_placeholder(scratch: Scratch) -> None:
    result = scratch.cbcfg("apply", "local", "-t", "desktop-gateway", "--yes")
    assert result.exit_code == 0, result.output
    config = read_json(scratch.home / LIBRARY["linux"] / f"{DESKTOP_CONFIG_ID}.json")
    assert config["inferenceGatewayApiKey"] == "no-virtual-key"  # Desktop refuses an empty field
    assert "inferenceModels" not in config  # no pins: Desktop discovers /anthropic/v1/models
    assert "no virtual key given" in result.stdout


def test_helper_key_mode_writes_the_credential_helper_and_no_key() -> None:
    source = replace(rendered("bedrock"), key_mode="helper", helper_command="/usr/local/bin/bifrost-key")
    fragment = desktop_gateway_fragment(source)
    assert fragment.wanted["/inferenceCredentialHelper"] == "/usr/local/bin/bifrost-key"
    assert "/inferenceGatewayApiKey" not in fragment.wanted
    assert not fragment.secret


def test_applying_only_the_mcp_entry_later_keeps_the_3p_mode(scratch: Scratch) -> None:
    apply_gateway(scratch, "bedrock")
    result = scratch.cbcfg("apply", "bedrock", "-t", "desktop", "--desktop-mcp", "url", "--yes", key=KEY)
    assert result.exit_code == 0, result.output
    assert read_json(scratch.desktop)["deploymentMode"] == "3p"


def test_helper_mode_through_the_cli_names_the_key_helper_and_keeps_the_key_off_the_library(scratch: Scratch) -> None:
    env = {"DBUS_SESSION_BUS_ADDRESS": None, "CBCFG_KEY_STORE": "file"}
    result = scratch.cbcfg(
        "apply", "bedrock", "-t", "code", "-t", "desktop-gateway", "--key-mode", "helper", "--yes", key=KEY, env=env
    )
    assert result.exit_code == 0, result.output
    library = [p for p in scratch.home.rglob("configLibrary/*.json") if p.name != "_meta.json"]
    (configuration,) = library
    entry = read_json(configuration)
    assert entry["inferenceCredentialHelper"] == read_json(scratch.settings)["apiKeyHelper"]
    assert "inferenceGatewayApiKey" not in entry
    assert KEY.encode() not in configuration.read_bytes()
