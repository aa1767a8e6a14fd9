"""Managed sources beyond managed-settings.json: the readers (a .reg file, a managed-preferences
plist, a configuration profile), and explain/doctor seeing every source the client reads, applying
managedSourcesBehavior as it does, and warning when a higher source hides what cbcfg wrote."""

from __future__ import annotations

import codecs
import json
import plistlib
from pathlib import Path
from typing import Any

import pytest

from claude_bifrost_cfg.policy_sources import PolicyFileError, read_plist, read_reg, reg_policies
from tests.cli_helpers import KEY, Scratch, read_json, scratch, write
from tests.support.regfile import parse_reg

__all__ = ["scratch"]  # the fixture

OTHER_URL = "http://127.0.0.1:9999"
POLICY = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\ClaudeCode"


def _reg(lines: list[str], header: str = "Windows Registry Editor Version 5.00") -> bytes:
    text = "\r\n".join([header, "", *lines]) + "\r\n"
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


# -- the readers ---------------------------------------------------------------------------------


def test_an_exported_reg_reads_back_as_the_managed_document(scratch: Scratch) -> None:
    reg, managed = scratch.root / "p.reg", scratch.root / "p.json"
    assert scratch.cbcfg("export", "bedrock", "-f", "reg", "-o", str(reg)).exit_code == 0
    assert scratch.cbcfg("export", "bedrock", "-f", "managed-json", "-o", str(managed)).exit_code == 0
    data = reg.read_bytes()
    assert json.loads(reg_policies(data)["HKLM"]) == read_json(managed)
    strict = parse_reg(data)  # the tests' strict reader agrees with the product's
    assert {
        path: {name: v.data for name, v in values.items()} for path, values in read_reg(data).items()
    } == strict.keys


def test_reg_format_rules() -> None:
    expand = "{}".encode("utf-16-le") + b"\0\0"
    hex_text = ",".join(f"{byte:02x}" for byte in expand)
    data = _reg(
        [
            "; a comment",
            "[hkey_local_machine\\SOFTWARE\\Policies\\ClaudeCode]",
            '"Other"=dword:00000001',
            f'"settings"=hex(2):{hex_text[:12]}\\',  # continued on the next line
            f"  {hex_text[12:]}",
            "",
            "[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\ClaudeCode]",
            '"Settings"="{\\"env\\":{\\"A\\":\\"C:\\\\\\\\x\\"}}"',
            '"Gone"="x"',
            '"Gone"=-',
            "[-HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Old]",
        ]
    )
    assert reg_policies(data) == {"HKLM": "{}", "HKCU": '{"env":{"A":"C:\\\\x"}}'}
    keys = read_reg(data)
    assert keys[POLICY]["Other"].data == 1
    assert "Gone" not in keys["HKEY_CURRENT_USER\\SOFTWARE\\Policies\\ClaudeCode"]
    ansi = ("REGEDIT4\r\n\r\n[" + POLICY + ']\r\n"Settings"="{}"\r\n').encode("cp1252")
    assert reg_policies(ansi) == {"HKLM": "{}"}


@pytest.mark.parametrize(
    "data",
    [
        b"not a reg file",
        _reg(['"Settings"="{}"']),  # a value outside a section
        _reg(["[HKEY_NOWHERE\\x]"]),
        _reg(["[" + POLICY + "]", '"Settings"=bogus:1']),
        _reg(["[" + POLICY + "]", '"Settings"=hex:zz']),
    ],
)
def test_a_bad_reg_is_an_error(data: bytes) -> None:
    with pytest.raises(PolicyFileError):
        read_reg(data)


def test_a_plist_and_a_configuration_profile_read_back(scratch: Scratch) -> None:
    plist, profile, managed = scratch.root / "d.plist", scratch.root / "p.mobileconfig", scratch.root / "m.json"
    for fmt, path in (("plist", plist), ("mobileconfig", profile), ("managed-json", managed)):
        assert scratch.cbcfg("export", "vertex", "-f", fmt, "-o", str(path)).exit_code == 0
    assert read_plist(plist.read_bytes()) == read_json(managed)
    assert read_plist(profile.read_bytes()) == read_json(managed)
    with pytest.raises(PolicyFileError):
        read_plist(b"<?xml version='1.0'?><plist><array/></plist>")


# -- explain and doctor ------------------------------------------------------------------------


def _macos(scratch: Scratch) -> tuple[str, ...]:
    return ("--platform", "macos", "--system-root", str(scratch.system_root))


def _device_plist(scratch: Scratch, settings: dict[str, Any], user: str | None = None) -> Path:
    folder = scratch.system_root / "Library" / "Managed Preferences"
    return write(
        (folder / user if user else folder) / "com.anthropic.claudecode.plist",
        plistlib.dumps(settings, fmt=plistlib.FMT_BINARY),
    )


def _explain(scratch: Scratch, *args: str) -> dict[str, Any]:
    result = scratch.cbcfg("explain", "--json", *args)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = result.json
    return report


def _winner(report: dict[str, Any], key: str) -> dict[str, Any]:
    [row] = [row for row in report["settings"] if row["key"] == key]
    assert isinstance(row, dict)
    return row


def test_a_configuration_profile_hides_cbcfgs_managed_file(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "-t", "managed", *_macos(scratch), "--yes", key=KEY).exit_code == 0
    plist = _device_plist(scratch, {"env": {"ANTHROPIC_BASE_URL": f"{OTHER_URL}/anthropic"}})

    report = _explain(scratch, *_macos(scratch))
    base = _winner(report, "ANTHROPIC_BASE_URL")
    assert base["value"] == f"{OTHER_URL}/anthropic" and base["file"] == str(plist)
    # first-wins: the file's key is not used even where the profile sets nothing.
    assert _winner(report, "ANTHROPIC_API_KEY")["value"] is None
    sources = {s["source"]: s for s in report["managed"]["sources"]}
    assert report["managed"]["behavior"] == "first-wins"
    assert sources["mdm"]["used"] and not sources["file"]["used"]
    assert "configuration profile for com.anthropic.claudecode is installed" in sources["file"]["ignored"]
    assert sources["file"]["set_by_cbcfg"] == "local"

    text = scratch.cbcfg("explain", *_macos(scratch)).stdout
    assert "managed-settings.json is ignored: a configuration profile for com.anthropic.claudecode is installed" in text

    doctor = scratch.cbcfg("doctor", "--no-network", "--json", *_macos(scratch))
    rows = [
        r
        for r in doctor.json["results"]
        if r["check"] == "settings" and "ignored" in r["message"] and r["level"] == "warning"
    ]
    assert len(rows) == 1
    assert (
        "managed-settings.json is ignored: a configuration profile for com.anthropic.claudecode" in rows[0]["message"]
    )


def test_merge_lets_lower_sources_fill_in(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "-t", "managed", *_macos(scratch), "--yes", key=KEY).exit_code == 0
    _device_plist(scratch, {"managedSourcesBehavior": "merge", "env": {"ANTHROPIC_BASE_URL": f"{OTHER_URL}/anthropic"}})
    report = _explain(scratch, *_macos(scratch))
    assert report["managed"]["behavior"] == "merge"
    assert _winner(report, "ANTHROPIC_BASE_URL")["value"] == f"{OTHER_URL}/anthropic"
    key = _winner(report, "ANTHROPIC_API_KEY")
    assert key["file"].endswith("managed-settings.json") and key["value"].endswith(KEY[-4:])
    assert all(s["used"] for s in report["managed"]["sources"])
    doctor = scratch.cbcfg("doctor", "--no-network", "--json", *_macos(scratch))
    assert not [
        r
        for r in doctor.json["results"]
        if r["check"] == "settings" and "ignored" in r["message"] and r["level"] == "warning"
    ]


def test_the_users_own_managed_preferences_come_first(scratch: Scratch) -> None:
    _device_plist(scratch, {"env": {"ANTHROPIC_BASE_URL": "http://device.example/anthropic"}})
    mine = _device_plist(scratch, {"env": {"ANTHROPIC_BASE_URL": "http://user.example/anthropic"}}, scratch.home.name)
    base = _winner(_explain(scratch, *_macos(scratch)), "ANTHROPIC_BASE_URL")
    assert (base["value"], base["file"]) == ("http://user.example/anthropic", str(mine))


def test_server_managed_settings_beat_every_other_source(scratch: Scratch) -> None:
    assert (
        scratch.cbcfg("apply", "local", "-t", "managed", "--system-root", str(scratch.system_root), "--yes").exit_code
        == 0
    )
    write(scratch.home / ".claude" / "remote-settings.json", json.dumps({"env": {"ANTHROPIC_MODEL": "opus"}}))
    report = _explain(scratch, "--system-root", str(scratch.system_root))
    assert _winner(report, "ANTHROPIC_MODEL")["layer"] == "managed"
    assert _winner(report, "ANTHROPIC_BASE_URL")["layer"] is None  # the file is ignored
    [ignored] = [s for s in report["managed"]["sources"] if s["ignored"]]
    assert ignored["source"] == "file" and "server-managed settings are in place" in ignored["ignored"]


def test_a_reg_policy_file_counts_as_the_windows_policy(scratch: Scratch) -> None:
    root = ("--system-root", str(scratch.system_root))
    assert scratch.cbcfg("apply", "local", "-t", "managed", *root, "--yes", key=KEY).exit_code == 0
    hklm = write(
        scratch.root / "hklm.reg",
        _reg(
            ["[" + POLICY + "]", f'"Settings"="{{\\"env\\":{{\\"ANTHROPIC_BASE_URL\\":\\"{OTHER_URL}/anthropic\\"}}}}"']
        ),
    )
    report = _explain(scratch, *root, "--policy-file", str(hklm))
    base = _winner(report, "ANTHROPIC_BASE_URL")
    assert base["value"] == f"{OTHER_URL}/anthropic" and "HKLM" in base["file"]
    assert [s["source"] for s in report["managed"]["sources"] if s["ignored"]] == ["file"]

    hkcu = write(
        scratch.root / "hkcu.reg",
        _reg(
            [
                "[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\ClaudeCode]",
                '"Settings"="{\\"env\\":{\\"ANTHROPIC_MODEL\\":\\"x\\"}}"',
            ]
        ),
    )
    report = _explain(scratch, *root, "--policy-file", str(hkcu))
    [hkcu_source] = [s for s in report["managed"]["sources"] if s["source"] == "hkcu"]
    assert "only when no admin source exists" in hkcu_source["ignored"]
    alone = _explain(scratch, "--system-root", str(scratch.root / "empty"), "--policy-file", str(hkcu))
    assert _winner(alone, "ANTHROPIC_MODEL")["value"] == "x"


def test_a_bad_policy_file_is_one_line(scratch: Scratch) -> None:
    junk = write(scratch.root / "junk.reg", "hello")
    for command in ("explain", "doctor"):
        result = scratch.cbcfg(command, "--policy-file", str(junk), "--no-network" if command == "doctor" else "--json")
        assert result.exit_code == 3 and "--policy-file" in result.error_line()
    missing = scratch.cbcfg("explain", "--policy-file", str(scratch.root / "absent.reg"))
    assert missing.exit_code == 3


def test_doctor_warns_when_an_exported_hklm_policy_would_hide_cbcfgs_drop_in(scratch: Scratch) -> None:
    root = ("--system-root", str(scratch.system_root))
    assert scratch.cbcfg("apply", "local", "-t", "managed-dropin", *root, "--yes").exit_code == 0
    policy = scratch.root / "team.reg"
    assert scratch.cbcfg("export", "bedrock", "-f", "reg", "-o", str(policy)).exit_code == 0

    doctor = scratch.cbcfg("doctor", "--no-network", "--json", *root, "--policy-file", str(policy))

    warnings = [
        r["message"] for r in doctor.json["results"] if r["level"] == "warning" and "is ignored" in r["message"]
    ]
    assert len(warnings) == 1 and "50-cbcfg.json is ignored" in warnings[0] and "(profile local)" in warnings[0]
    assert any(r["level"] == "info" and "HKLM" in r["message"] for r in doctor.json["results"])
    without = scratch.cbcfg("doctor", "--no-network", "--json", *root)
    assert not [r for r in without.json["results"] if "is ignored" in r["message"]]
