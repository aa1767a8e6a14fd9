"""A strict reader of Registration Entries (.reg) files, as ``reg import`` and regedit take them.

No maintained PyPI package parses .reg text strictly (fake-winreg's importer also takes UTF-8
without a byte order mark and unescapes ``\\n``, which regedit does not), so this follows Microsoft's
documented format (KB 310516, "Windows Registry Editor Version 5.00"): UTF-16 LE with its BOM, CRLF
lines, the version line, a blank line, then ``[KEY]`` sections of ``"name"="data"`` REG_SZ values
(``\\\\`` and ``\\"`` the only escapes), ``;`` comment lines. Anything else is an error, not skipped.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

HEADER = "Windows Registry Editor Version 5.00"
ROOTS = ("HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER", "HKEY_CLASSES_ROOT", "HKEY_USERS", "HKEY_CURRENT_CONFIG")
_VALUE = re.compile(r'^"((?:[^"\\]|\\[\\"])*)"="((?:[^"\\]|\\[\\"])*)"$')


class RegFileError(ValueError):
    pass


@dataclass
class RegFile:
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\\"])", r"\1", text)


def parse_reg(data: bytes) -> RegFile:
    if not data.startswith(codecs.BOM_UTF16_LE):
        raise RegFileError("no UTF-16 LE byte order mark")
    text = data[len(codecs.BOM_UTF16_LE) :].decode("utf-16-le")
    if "\n" in text.replace("\r\n", ""):
        raise RegFileError("a line ends in a bare LF, not CRLF")
    lines = text.split("\r\n")
    if lines[0] != HEADER:
        raise RegFileError(f"first line is {lines[0]!r}, not the version 5.00 header")
    if len(lines) < 2 or lines[1] != "":
        raise RegFileError("the header is not followed by a blank line")
    parsed = RegFile()
    current: dict[str, str] | None = None
    for number, line in enumerate(lines[2:], start=3):
        if line == "":
            current = None
        elif line.startswith(";"):
            parsed.comments.append(line[1:].strip())
        elif line.startswith("[") and line.endswith("]"):
            key = line[1:-1]
            if key.split("\\", 1)[0] not in ROOTS or key.endswith("\\") or "\\\\" in key:
                raise RegFileError(f"line {number}: {key!r} is not a registry key path")
            current = parsed.keys.setdefault(key, {})
        else:
            match = _VALUE.match(line)
            if match is None:
                raise RegFileError(f"line {number}: {line[:60]!r} is not a quoted REG_SZ value")
            if current is None:
                raise RegFileError(f"line {number}: a value outside a [key] section")
            current[_unescape(match.group(1))] = _unescape(match.group(2))
    return parsed
