"""cbcfg export --product desktop: Claude Desktop's gateway policy, read back by each consumer's parser.

Checked against the documented MDM format (claude.com/docs/third-party/claude-desktop/mdm): domain
com.anthropic.claudefordesktop as a payload of its own type, every value a string (lists and objects
as JSON text); Windows values directly under HKLM\\SOFTWARE\\Policies\\Claude, REG_SZ.
"""

from __future__ import annotations

import json
import plistlib
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import KEY, Scratch
from tests.support.regfile import parse_reg

DOMAIN = "com.anthropic.claudefordesktop"
REG_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude"
URL = "https://bifrost.corp.example"
EXPECTED = {
    "inferenceProvider": "gateway",
    "inferenceGatewayBaseUrl": URL + "/anthropic",
    "inferenceGatewayAuthScheme": "bearer",
    "inferenceModels": json.dumps(
        [
            {"name": "bedrock/global.anthropic.claude-sonnet-4-6", "anthropicFamilyTier": "sonnet"},
            {"name": "bedrock/global.anthropic.claude-opus-4-6-v1", "anthropicFamilyTier": "opus"},
            {"name": "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropicFamilyTier": "haiku"},
        ],
        separators=(",", ":"),
    ),
}


def export(scratch: Scratch, tmp_path: Path, fmt: str, *args: str, key: str | None = None) -> bytes:
    target = tmp_path / f"out.{fmt}"
    result = scratch.cbcfg(
        "export",
        "bedrock",
        "--product",
        "desktop",
        "--format",
        fmt,
        "--gateway-url",
        URL,
        "-o",
        str(target),
        *args,
        key=key,
    )
    assert result.exit_code == 0, result.output
    return target.read_bytes()


def test_mobileconfig_is_a_claudefordesktop_payload_of_strings(scratch: Scratch, tmp_path: Path) -> None:
    profile = plistlib.loads(export(scratch, tmp_path, "mobileconfig"))
    assert profile["PayloadType"] == "Configuration"
    (payload,) = profile["PayloadContent"]
    assert payload["PayloadType"] == DOMAIN
    keys = {k: v for k, v in payload.items() if not k.startswith("Payload")}
    assert keys == EXPECTED
    assert all(isinstance(value, str) for value in keys.values())  # never native arrays
    assert "locks Claude Desktop's whole in-app configuration" in profile["PayloadDescription"]


def test_mobileconfig_is_stable(scratch: Scratch, tmp_path: Path) -> None:
    assert export(scratch, tmp_path, "mobileconfig") == export(scratch, tmp_path, "mobileconfig")


def test_reg_values_sit_directly_under_the_policy_key(scratch: Scratch, tmp_path: Path) -> None:
    reg = parse_reg(export(scratch, tmp_path, "reg"))
    assert list(reg.keys) == [REG_KEY]  # no subkeys: Desktop never reads them
    assert reg.keys[REG_KEY] == EXPECTED
    assert any("locks Claude Desktop" in comment for comment in reg.comments)


def test_powershell_sets_each_value_as_a_string(scratch: Scratch, tmp_path: Path) -> None:
    script = export(scratch, tmp_path, "powershell").decode("ascii")
    assert "$key = 'HKLM:\\SOFTWARE\\Policies\\Claude'" in script
    for name, value in EXPECTED.items():
        assert f"$data = @'\r\n{value}\r\n'@\r\n$name = '{name}'" in script
    assert script.count("-PropertyType String") == len(EXPECTED)


def test_plist_and_managed_json(scratch: Scratch, tmp_path: Path) -> None:
    assert plistlib.loads(export(scratch, tmp_path, "plist")) == EXPECTED
    document: dict[str, Any] = json.loads(export(scratch, tmp_path, "managed-json"))  # Linux: native JSON
    assert document["inferenceModels"] == json.loads(EXPECTED["inferenceModels"])


def test_without_include_key_no_key_and_a_warning(scratch: Scratch, tmp_path: Path) -> None:
    target = tmp_path / "out.reg"
    result = scratch.cbcfg(
        "export", "bedrock", "--product", "desktop", "--format", "reg", "--gateway-url", URL, "-o", str(target)
    )
    assert result.exit_code == 0
    assert "no inferenceGatewayApiKey in the export" in result.stderr
    assert "inferenceGatewayApiKey" not in parse_reg(target.read_bytes()).keys[REG_KEY]


@pytest.mark.parametrize("fmt", ["reg", "mobileconfig"])
def test_include_key_puts_the_key_in_a_private_file(scratch: Scratch, tmp_path: Path, fmt: str) -> None:
    data = export(scratch, tmp_path, fmt, "--include-key", key=KEY)
    assert KEY.encode("utf-16-le" if fmt == "reg" else "utf-8") in data
    assert stat.S_IMODE((tmp_path / f"out.{fmt}").stat().st_mode) == 0o600


def test_an_unknown_product_is_a_usage_error(scratch: Scratch) -> None:
    result = scratch.cbcfg("export", "bedrock", "--product", "cowork", "--format", "reg")
    assert result.exit_code == 2
    assert result.error_line().startswith("cbcfg: error: unknown --product 'cowork'")
