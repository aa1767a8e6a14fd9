"""Readers for the managed settings that come from outside JSON files: the macOS managed-preferences
plist of ``com.anthropic.claudecode`` (or a configuration profile holding it), and a Windows
Registration Entries (``.reg``) file holding ``HKLM``/``HKCU\\SOFTWARE\\Policies\\ClaudeCode``,
value ``Settings``.

The ``.reg`` reader follows the format regedit and ``reg import`` take (Microsoft KB 310516):
the first line ``Windows Registry Editor Version 5.00`` (UTF-16 LE with a byte order mark, as
regedit writes it; UTF-8 is taken too) or ``REGEDIT4`` (ANSI); ``[KEY]`` and ``[-KEY]`` sections;
values ``"name"=…`` or ``@=…`` as ``"text"`` (REG_SZ, ``\\\\`` and ``\\"`` escaped), ``dword:``,
``hex:``, ``hex(N):`` (a trailing ``\\`` continues the bytes on the next line), or ``-`` (delete);
``;`` starts a comment line. Key paths are case-insensitive, as the registry's are.
"""

from __future__ import annotations

import codecs
import json
import plistlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .layout import MANAGED_PREFERENCES_DOMAIN

REG_V5 = "Windows Registry Editor Version 5.00"
REG_V4 = "REGEDIT4"
_ROOTS = {
    "HKEY_LOCAL_MACHINE": "HKEY_LOCAL_MACHINE",
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKEY_CURRENT_USER": "HKEY_CURRENT_USER",
    "HKCU": "HKEY_CURRENT_USER",
    "HKEY_CLASSES_ROOT": "HKEY_CLASSES_ROOT",
    "HKEY_USERS": "HKEY_USERS",
    "HKEY_CURRENT_CONFIG": "HKEY_CURRENT_CONFIG",
}
POLICY_KEY = "SOFTWARE\\Policies\\ClaudeCode"
POLICY_VALUE = "Settings"
# Hive -> the key Claude Code reads (2.1.332: `HKLM\SOFTWARE\Policies\ClaudeCode`, value `Settings`).
POLICY_KEYS = {"HKLM": f"HKEY_LOCAL_MACHINE\\{POLICY_KEY}", "HKCU": f"HKEY_CURRENT_USER\\{POLICY_KEY}"}
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


class PolicyFileError(ValueError):
    """A policy file that cannot be read as what it claims to be; the message says where."""


@dataclass(frozen=True)
class RegValue:
    kind: str  # REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_BINARY, REG_NONE, hex(N)
    data: Any  # str for the string kinds, int for REG_DWORD, bytes otherwise


def _decode_reg(data: bytes) -> tuple[str, bool]:
    """The text of a .reg file and whether it is version 5 (UTF-16 strings in hex values)."""
    if data.startswith(codecs.BOM_UTF16_LE):
        text = data[2:].decode("utf-16-le")
    elif data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # REGEDIT4 files are ANSI
    first = text.lstrip().split("\n", 1)[0].strip()
    if first == REG_V5:
        return text, True
    if first == REG_V4:
        return text, False
    raise PolicyFileError(f"the first line is {first[:60]!r}, not {REG_V5!r} or {REG_V4!r}")


def _key_path(raw: str, number: int) -> str:
    root, _, rest = raw.partition("\\")
    canonical = _ROOTS.get(root.upper())
    if canonical is None or raw.endswith("\\") or "\\\\" in raw:
        raise PolicyFileError(f"line {number}: {raw!r} is not a registry key path")
    return f"{canonical}\\{rest}" if rest else canonical


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _hex_bytes(text: str, number: int) -> bytes:
    try:
        return bytes(int(part, 16) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise PolicyFileError(f"line {number}: {text[:40]!r} is not comma-separated hex bytes") from None


def _value(data: str, version5: bool, number: int) -> RegValue | None:
    """One value's data, as written after ``=``; None for ``-`` (delete the value)."""
    if data == "-":
        return None
    string = _STRING.fullmatch(data)
    if string is not None:
        return RegValue("REG_SZ", _unescape(string.group(1)))
    kind, colon, rest = data.partition(":")
    if not colon:
        raise PolicyFileError(f"line {number}: {data[:60]!r} is not a value a .reg file can hold")
    kind = kind.lower()
    if kind == "dword":
        if not re.fullmatch(r"[0-9a-fA-F]{1,8}", rest):
            raise PolicyFileError(f"line {number}: dword:{rest[:20]} is not 8 hex digits")
        return RegValue("REG_DWORD", int(rest, 16))
    raw = _hex_bytes(rest, number)
    strings = "utf-16-le" if version5 else "cp1252"
    if kind == "hex":
        return RegValue("REG_BINARY", raw)
    if kind in ("hex(2)", "hex(7)"):
        text = raw.decode(strings, errors="replace")
        if kind == "hex(2)":
            return RegValue("REG_EXPAND_SZ", text.split("\0", 1)[0])
        return RegValue("REG_MULTI_SZ", [part for part in text.split("\0") if part])
    if kind == "hex(0)":
        return RegValue("REG_NONE", raw)
    if re.fullmatch(r"hex\([0-9a-f]+\)", kind):
        return RegValue(kind, raw)
    raise PolicyFileError(f"line {number}: {kind!r} is not a .reg value type")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with their numbers; a hex value ending in ``\\`` continues on the next line."""
    lines: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip() if pending is not None else line.rstrip()
        if pending is not None:
            line = pending[1] + line
            number = pending[0]
            pending = None
        if line.endswith("\\") and "=hex" in line.lower():
            pending = (number, line[:-1])
            continue
        lines.append((number, line))
    if pending is not None:
        lines.append(pending)
    return lines


def read_reg(data: bytes) -> dict[str, dict[str, RegValue]]:
    """Every key of a .reg file (canonical root names, case kept as first written) and its values
    (the default value as ``@``), as importing it would leave them."""
    text, version5 = _decode_reg(data)
    keys: dict[str, dict[str, RegValue]] = {}
    names: dict[str, str] = {}  # lower case -> as first written
    current: dict[str, RegValue] | None = None
    header_seen = False
    for number, line in _logical_lines(text):
        stripped = line.strip()
        if not header_seen:
            header_seen = bool(stripped)
            continue
        if not stripped or stripped.startswith(";"):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            inner = stripped[1:-1]
            if inner.startswith("-"):
                path = _key_path(inner[1:], number).lower()
                for name in [name for name in keys if name == path or name.startswith(path + "\\")]:
                    del keys[name]
                current = None
                continue
            path = _key_path(inner, number)
            written = names.setdefault(path.lower(), path)
            current = keys.setdefault(written, {})
            continue
        if current is None:
            raise PolicyFileError(f"line {number}: a value outside a [key] section")
        if stripped.startswith("@="):
            name, data_text = "@", stripped[2:]
        else:
            match = re.match(r'"((?:[^"\\]|\\.)*)"=(.*)$', stripped)
            if match is None:
                raise PolicyFileError(f'line {number}: {stripped[:60]!r} is not a "name"=value line')
            name, data_text = _unescape(match.group(1)), match.group(2).strip()
        value = _value(data_text, version5, number)
        existing = next((known for known in current if known.lower() == name.lower()), name)
        if value is None:
            current.pop(existing, None)
        else:
            current.pop(existing, None)
            current[name] = value
    if not header_seen:
        raise PolicyFileError("the file is empty")
    return {names.get(path.lower(), path): values for path, values in keys.items()}


def reg_policies(data: bytes) -> dict[str, str]:
    """Hive (``HKLM``, ``HKCU``) -> the ``Settings`` text Claude Code would read from it: REG_SZ or
    REG_EXPAND_SZ, as the client accepts (``reg query … /v Settings``); other kinds are not read."""
    keys = {path.lower(): values for path, values in read_reg(data).items()}
    found = {}
    for hive, path in POLICY_KEYS.items():
        values = keys.get(path.lower(), {})
        value = next((v for name, v in values.items() if name.lower() == POLICY_VALUE.lower()), None)
        if value is not None and value.kind in ("REG_SZ", "REG_EXPAND_SZ"):
            found[hive] = str(value.data)
    return found


def settings_json(text: str, where: str) -> dict[str, Any]:
    """The settings document held in a policy value (one JSON object)."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PolicyFileError(f"{where}: not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise PolicyFileError(f"{where}: the JSON is not an object")
    return document


def read_plist(data: bytes) -> dict[str, Any]:
    """The settings of a managed-preferences plist of ``com.anthropic.claudecode`` (its top-level
    keys are the settings keys, in plist types), or of a configuration profile that sets that
    domain (``com.apple.ManagedClient.preferences``, ``Forced`` → ``mcx_preference_settings``)."""
    try:
        document = plistlib.loads(data)
    except (plistlib.InvalidFileException, ValueError, OverflowError) as exc:
        raise PolicyFileError(f"not a property list: {exc}") from None
    if not isinstance(document, dict):
        raise PolicyFileError("the property list is not a dictionary")
    if document.get("PayloadType") == "Configuration":
        return _profile_settings(document)
    return document


def _profile_settings(profile: Mapping[str, Any]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for payload in profile.get("PayloadContent") or []:
        domains = payload.get("PayloadContent") if isinstance(payload, dict) else None
        domain = domains.get(MANAGED_PREFERENCES_DOMAIN) if isinstance(domains, dict) else None
        for entry in (domain or {}).get("Forced") or []:
            found = entry.get("mcx_preference_settings") if isinstance(entry, dict) else None
            if isinstance(found, dict):
                settings.update(found)
    if not settings:
        raise PolicyFileError(f"the configuration profile sets nothing for {MANAGED_PREFERENCES_DOMAIN}")
    return settings


def is_plist(data: bytes) -> bool:
    head = data.lstrip()[:64]
    return head.startswith((b"bplist00", b"<?xml", b"<!DOCTYPE plist", b"<plist"))


def check_policy_file(path: Path, shown: str) -> None:
    """A ``--policy-file`` that is not a readable .reg or plist of Claude Code's policy: one error."""
    from .errors import BadFileError

    fix = "give a .reg exported from HKLM/HKCU\\SOFTWARE\\Policies\\ClaudeCode, or a plist of com.anthropic.claudecode"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadFileError(f"--policy-file {shown}: cannot read it: {exc.strerror}", fix) from None
    try:
        if is_plist(data):
            read_plist(data)
        elif not reg_policies(data):
            raise PolicyFileError(f"no Settings value under {POLICY_KEYS['HKLM']} or {POLICY_KEYS['HKCU']}")
    except PolicyFileError as exc:
        raise BadFileError(f"--policy-file {shown}: {exc}", fix) from None
