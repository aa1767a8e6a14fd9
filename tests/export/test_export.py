"""cbcfg export: each artefact read back by its consumer's parser; nothing written but -o."""

from __future__ import annotations

import codecs
import json
import plistlib
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import KEY, Scratch, write
from tests.support.regfile import parse_reg

DOMAIN = "com.anthropic.claudecode"
REG_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\ClaudeCode"


def managed_keys(scratch: Scratch, *args: str, key: str | None = None) -> dict[str, Any]:
    """What ``cbcfg show -t managed`` says the managed file gets (pointer -> value)."""
    shown = scratch.cbcfg("show", *args, "-t", "managed", "--json", key=key)
    assert shown.exit_code == 0, shown.output
    keys: dict[str, Any] = shown.json["files"][0]["keys"]
    return keys


def flat(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in document.items():
        if isinstance(value, dict) and value:
            out.update(flat(value, f"{prefix}/{name}"))
        else:
            out[f"{prefix}/{name}"] = value
    return out


def export_file(scratch: Scratch, tmp_path: Path, name: str, *args: str, **kwargs: Any) -> bytes:
    target = tmp_path / name
    result = scratch.cbcfg("export", *args, "-o", str(target), **kwargs)
    assert result.exit_code == 0, result.output
    return target.read_bytes()


@pytest.mark.parametrize("profile", ["bedrock", "local"])
def test_managed_json_is_shows_managed_fragment(scratch: Scratch, profile: str) -> None:
    before = scratch.tree()
    out = scratch.cbcfg("export", profile, "--format", "managed-json", key=KEY)
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    wanted = {p: v for p, v in managed_keys(scratch, profile).items() if not p.endswith("ANTHROPIC_API_KEY")}
    assert flat(document) == wanted  # the key stays out unless --include-key, even with one in the env
    assert out.stdout == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert scratch.tree() == before  # writes nothing anywhere


def test_mobileconfig_sets_the_domain_with_stable_uuids(scratch: Scratch, tmp_path: Path) -> None:
    args = ("bedrock", "--format", "mobileconfig", "--display-name", "Bifrost for Claude", "--organization", "Acme")
    first = export_file(scratch, tmp_path, "a.mobileconfig", *args)
    second = export_file(scratch, tmp_path, "b.mobileconfig", *args)
    assert first == second  # MDM sees no change on a re-export
    profile = plistlib.loads(first)
    assert profile["PayloadType"] == "Configuration" and profile["PayloadScope"] == "System"
    assert profile["PayloadDisplayName"] == "Bifrost for Claude" and profile["PayloadOrganization"] == "Acme"
    assert "helper" in profile["PayloadDescription"]
    (payload,) = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.ManagedClient.preferences"
    for item in (profile, payload):
        uuid.UUID(item["PayloadUUID"])
        assert isinstance(item["PayloadVersion"], int)
    assert payload["PayloadIdentifier"].startswith(profile["PayloadIdentifier"] + ".")
    settings = payload["PayloadContent"][DOMAIN]["Forced"][0]["mcx_preference_settings"]
    assert isinstance(settings["env"], dict)  # top-level settings keys, native plist types
    assert flat(settings) == managed_keys(scratch, "bedrock")
    assert (tmp_path / "a.mobileconfig").stat().st_mode & 0o777 == 0o644

    other = plistlib.loads(export_file(scratch, tmp_path, "c.mobileconfig", "vertex", "--format", "mobileconfig"))
    assert other["PayloadUUID"] != profile["PayloadUUID"]
    assert other["PayloadIdentifier"] != profile["PayloadIdentifier"]


def test_plist_is_the_domain_alone(scratch: Scratch, tmp_path: Path) -> None:
    preferences = plistlib.loads(export_file(scratch, tmp_path, f"{DOMAIN}.plist", "azure", "--format", "plist"))
    assert flat(preferences) == managed_keys(scratch, "azure")


def test_reg_file_is_what_reg_import_reads(scratch: Scratch, tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    write(
        profiles / "quirky.toml",
        'extends = "local"\n[settings]\n'
        'statusLine = {type = "command", command = "C:\\\\tools\\\\status.exe \\"x\\""}\n'
        '[env]\nTEAM = "Zürich ✓ 😀"\n',
    )
    data = export_file(scratch, tmp_path, "policy.reg", "quirky", "--format", "reg", "--profiles-dir", str(profiles))
    assert data.startswith(codecs.BOM_UTF16_LE)
    parsed = parse_reg(data)
    assert list(parsed.keys) == [REG_KEY]
    assert list(parsed.keys[REG_KEY]) == ["Settings"]
    document = json.loads(parsed.keys[REG_KEY]["Settings"])
    assert document["statusLine"]["command"] == 'C:\\tools\\status.exe "x"'
    assert document["env"]["TEAM"] == "Zürich ✓ 😀"
    shown = managed_keys(scratch, "quirky", "--profiles-dir", str(profiles))
    assert flat(document) == shown
    assert any("helper" in line for line in parsed.comments)


def test_powershell_sets_the_same_value(scratch: Scratch, tmp_path: Path) -> None:
    script = export_file(scratch, tmp_path, "Set-ClaudeCode.ps1", "bedrock", "--format", "powershell")
    text = script.decode("ascii")  # ASCII: Windows PowerShell 5.1 reads it whatever the code page
    assert "$key = 'HKLM:\\SOFTWARE\\Policies\\ClaudeCode'" in text
    assert "-PropertyType String" in text and "-ceq $data" in text  # written only when it differs
    data = text.split("$data = @'\r\n", 1)[1].split("\r\n'@", 1)[0]
    reg = parse_reg(export_file(scratch, tmp_path, "p.reg", "bedrock", "--format", "reg"))
    assert json.loads(data) == json.loads(reg.keys[REG_KEY]["Settings"])


def test_key_only_with_include_key_into_a_0600_file(scratch: Scratch, tmp_path: Path) -> None:
    target = tmp_path / "with-key.reg"
    args = ("bedrock", "-f", "reg", "--include-key", "--key-stdin", "-o", str(target))
    result = scratch.cbcfg("export", *args, stdin=KEY)
    assert result.exit_code == 0, result.output
    assert "readable by every local account" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    settings = json.loads(parse_reg(target.read_bytes()).keys[REG_KEY]["Settings"])
    assert settings["env"]["ANTHROPIC_API_KEY"] == KEY
    for fmt in ("managed-json", "mobileconfig", "plist", "reg", "powershell"):
        out = tmp_path / f"no-key.{fmt}"
        assert scratch.cbcfg("export", "bedrock", "-f", fmt, "-o", str(out), key=KEY).exit_code == 0
        assert KEY.encode() not in out.read_bytes() and KEY.encode("utf-16-le") not in out.read_bytes()
        assert "${" not in out.read_bytes().decode("utf-16" if fmt == "reg" else "utf-8")


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("bedrock", "--format", "yaml"), 2, "unknown export format 'yaml'"),
        (("bedrock",), 2, "--format is missing"),
        (("nosuch", "--format", "reg"), 4, "no profile named 'nosuch'"),
        (("bedrock", "--format", "reg", "-o", "missing/dir/x.reg"), 7, "does not exist"),
        (("bedrock", "--format", "reg", "--include-key"), 2, "add -o FILE"),
        (("bedrock", "--format", "reg", "--key-stdin"), 2, "--include-key"),
        (("bedrock", "--format", "reg", "--include-key", "-o", "k.reg"), 5, "no virtual key given"),
        (("production", "--format", "reg"), 5, "example gateway URL"),
    ],
)
def test_bad_input_is_one_line(scratch: Scratch, args: tuple[str, ...], code: int, words: str) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("export", *args)
    assert result.exit_code == code, result.output
    assert words in result.error_line()
    assert scratch.tree() == before  # nothing written, no folder made


def test_placeholder_and_null_refused(scratch: Scratch, tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    write(profiles / "ph.toml", 'extends = "local"\n[env]\nTOKEN = "${SECRET}"\n')
    result = scratch.cbcfg("export", "ph", "-f", "managed-json", "--profiles-dir", str(profiles))
    assert result.exit_code == 5 and "/env/TOKEN" in result.error_line()
