"""Fleet exports: a profile's managed settings as the file each deployment engine consumes.

Each format is one module with the same function, ``render(policy, meta) -> bytes``: pure, no I/O.
``policy.py`` builds what every format carries (the managed settings document and where Claude Code
reads it); later products (Claude Desktop's policy) add a builder there, not a new format.
"""

from __future__ import annotations

from importlib import import_module

from ..errors import UsageError
from .policy import ExportMeta, ManagedPolicy

# format name -> module in this package
FORMATS = {
    "managed-json": "managed_json",
    "mobileconfig": "mobileconfig",
    "plist": "plist",
    "reg": "reg",
    "powershell": "powershell",
}


def check_format(name: str) -> str:
    if name not in FORMATS:
        raise UsageError(f"unknown export format {name!r}", f"formats are: {', '.join(FORMATS)}")
    return name


def render_export(name: str, policy: ManagedPolicy, meta: ExportMeta) -> bytes:
    module = import_module(f"{__name__}.{FORMATS[check_format(name)]}")
    data: bytes = module.render(policy, meta)
    return data
