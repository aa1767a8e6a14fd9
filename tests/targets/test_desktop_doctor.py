"""doctor's Desktop rows (desktop-gateway, desktop-mcp), through the real `cbcfg doctor --no-network`."""

from __future__ import annotations

import json
from typing import Any

from claude_bifrost_cfg.desired import bridge_args
from claude_bifrost_cfg.vocabulary import DESKTOP_CONFIG_ID
from tests.cli_helpers import KEY, Scratch, read_json, write

LIBRARY = ".config/Claude-3p/configLibrary"


def rows(scratch: Scratch, check: str, *args: str) -> list[dict[str, Any]]:
    result = scratch.cbcfg("doctor", "--no-network", "--json", *args, key=KEY)
    found = [row for row in result.json["results"] if row["check"] == check]
    assert found, result.output
    return found


def apply(scratch: Scratch, profile: str, *args: str) -> None:
    result = scratch.cbcfg("apply", profile, "--yes", *args, key=KEY)
    assert result.exit_code == 0, result.output


def test_no_configuration_is_info_with_the_command(scratch: Scratch) -> None:
    (row,) = rows(scratch, "desktop-gateway")
    assert row["level"] == "info"
    assert row["fix"].startswith("cbcfg apply <profile> -t desktop-gateway")


def test_applied_is_ok_and_names_the_gateway(scratch: Scratch) -> None:
    apply(scratch, "bedrock", "-t", "desktop-gateway")
    (row,) = rows(scratch, "desktop-gateway", "--profile", "bedrock")
    assert row["level"] == "ok"
    assert row["message"].endswith("applied, gateway http://127.0.0.1:8080/anthropic")


def test_another_configuration_applied_in_the_app_is_a_warning(scratch: Scratch) -> None:
    apply(scratch, "bedrock", "-t", "desktop-gateway")
    meta = scratch.home / LIBRARY / "_meta.json"
    document = read_json(meta)
    document["appliedId"] = "mine"
    write(meta, json.dumps(document))
    (row,) = rows(scratch, "desktop-gateway", "--profile", "bedrock")
    assert row["level"] == "warning"
    assert "not the applied one (appliedId is 'mine')" in row["message"]


def test_another_gateway_and_models_off_the_pins_are_reported(scratch: Scratch) -> None:
    apply(scratch, "bedrock", "-t", "desktop-gateway")
    found = rows(scratch, "desktop-gateway", "--profile", "vertex", "--gateway-url", "https://other.example")
    messages = " | ".join(row["message"] for row in found)
    assert "not the gateway doctor checks (https://other.example/anthropic)" in messages
    assert "not among the pins doctor checks against the key" in messages


def test_a_model_desktop_refuses_fails(scratch: Scratch) -> None:
    apply(scratch, "bedrock", "-t", "desktop-gateway")
    config = scratch.home / LIBRARY / f"{DESKTOP_CONFIG_ID}.json"
    document = read_json(config)
    document["inferenceModels"].append({"name": "openai/gpt-5"})
    write(config, json.dumps(document))
    found = rows(scratch, "desktop-gateway", "--profile", "bedrock")
    assert any(row["level"] == "failed" and "'openai/gpt-5'" in row["message"] for row in found)


def test_a_broken_configuration_fails_with_the_fix(scratch: Scratch) -> None:
    write(scratch.home / LIBRARY / f"{DESKTOP_CONFIG_ID}.json", '{"inferenceProvider": "gateway",')
    (row,) = rows(scratch, "desktop-gateway")
    assert row["level"] == "failed" and row["fix"]


def test_desktop_mcp_a_type_http_entry_is_a_warning(scratch: Scratch) -> None:
    write(scratch.desktop, '{"mcpServers": {"bifrost": {"type": "http", "url": "http://localhost:8080/mcp"}}}')
    (row,) = rows(scratch, "desktop-mcp")
    assert row["level"] == "warning" and "crashed at launch" in row["message"]


def test_desktop_mcp_plain_http_to_another_host_needs_allow_http(scratch: Scratch) -> None:
    assert bridge_args("http://bifrost.lan:8080/mcp")[-1] == "--allow-http"
    assert "--allow-http" not in bridge_args("http://127.0.0.1:8080/mcp")  # mcp-remote allows these two
    assert "--allow-http" not in bridge_args("https://bifrost.lan/mcp")
    entry = {"command": "sh", "args": ["-y", "mcp-remote@0.15", "http://bifrost.lan:8080/mcp"]}
    write(scratch.desktop, json.dumps({"mcpServers": {"bifrost": entry}}))
    (row,) = rows(scratch, "desktop-mcp")
    assert row["level"] == "warning" and "--allow-http" in row["message"]


def test_desktop_mcp_written_with_allow_http_for_a_lan_gateway(scratch: Scratch) -> None:
    apply(scratch, "local", "-t", "desktop", "--gateway-url", "http://bifrost.lan:8080", "--allow-insecure")
    args = read_json(scratch.desktop)["mcpServers"]["bifrost"]["args"]
    assert args[:4] == ["-y", "mcp-remote@0.15", "http://bifrost.lan:8080/mcp", "--allow-http"]


def test_key_exposure_counts_the_desktop_configuration(scratch: Scratch) -> None:
    apply(scratch, "bedrock", "-t", "desktop-gateway")
    config = scratch.home / LIBRARY / f"{DESKTOP_CONFIG_ID}.json"
    config.chmod(0o644)
    found = rows(scratch, "key-exposure")
    assert any(row["level"] == "failed" and "Claude-3p/configLibrary" in row["message"] for row in found)
