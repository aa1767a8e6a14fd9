"""``reg``: a Registration Entries file for ``reg import`` / regedit (Microsoft KB 310516).

"Windows Registry Editor Version 5.00" files are UTF-16 LE with a byte order mark and CRLF lines;
REG_SZ data is quoted with ``\\`` and ``"`` escaped; lines starting with ``;`` are comments. The
JSON is written compact, on one line, as Anthropic's ADMX template stores it.
"""

from __future__ import annotations

import codecs

from .policy import ExportMeta, ManagedPolicy

HEADER = "Windows Registry Editor Version 5.00"


def reg_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(policy: ManagedPolicy, meta: ExportMeta) -> bytes:
    lines = [
        HEADER,
        "",
        f"; {policy.product} managed settings from cbcfg profile {policy.profile!r}: reg import FILE as admin",
        f"; {policy.note}",
        f"[{policy.registry_key}]",
    ]
    lines += [f"{reg_string(name)}={reg_string(data)}" for name, data in policy.registry_values.items()]
    text = "\r\n".join(lines) + "\r\n\r\n"
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
