"""``powershell``: an Intune platform script (or any SYSTEM script) that sets the same registry values.

Idempotent: a value already equal is left alone, and the script says which it did. The script is
ASCII (non-ASCII characters in the JSON are ``\\u`` escapes, which JSON readers decode), so Windows
PowerShell 5.1 reads it the same whatever the code page; the data sits in a single-quoted here-string,
where PowerShell expands nothing.
"""

from __future__ import annotations

import json

from .policy import ExportMeta, ManagedPolicy

HIVES = {"HKEY_LOCAL_MACHINE": "HKLM:", "HKEY_CURRENT_USER": "HKCU:"}


def ps_path(registry_key: str) -> str:
    hive, _, rest = registry_key.partition("\\")
    return f"{HIVES[hive]}\\{rest}"


def ascii_data(data: str) -> str:
    """The JSON again with every non-ASCII character escaped (same document, ASCII text)."""
    return json.dumps(json.loads(data), ensure_ascii=True, separators=(",", ":"))


def ps_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def plain_data(data: str, name: str) -> str:
    """A plain string value, which the ASCII script can hold only if it is ASCII."""
    if not data.isascii():
        from ..errors import RefusedError

        raise RefusedError(
            f"{name} holds non-ASCII text, which this PowerShell script cannot carry", "use --format reg instead"
        )
    return data


def render(policy: ManagedPolicy, meta: ExportMeta) -> bytes:
    description = policy.description.encode("ascii", "replace").decode("ascii")
    lines = [
        "<#",
        f"{policy.product} managed settings from cbcfg profile {policy.profile!r}.",
        f"Sets {policy.registry_key} (REG_SZ), which {policy.product} reads as managed settings.",
        "Intune: Devices > Scripts and remediations > Platform scripts; run as SYSTEM",
        "(logged-on credentials: No). Re-running changes nothing when the value is already set.",
        description.replace("#>", "# >"),
        "#>",
        "$ErrorActionPreference = 'Stop'",
        f"$key = {ps_literal(ps_path(policy.registry_key))}",
        "if (-not (Test-Path -LiteralPath $key)) { New-Item -Path $key -Force | Out-Null }",
    ]
    for name, data in policy.registry_values.items():
        lines += [
            "$data = @'",
            ascii_data(data) if policy.registry_json else plain_data(data, name),
            "'@",
            f"$name = {ps_literal(name)}",
            "$now = (Get-ItemProperty -LiteralPath $key -Name $name -ErrorAction SilentlyContinue).$name",
            "if ($now -ceq $data) {",
            '    Write-Output "unchanged: $key\\$name"',
            "} else {",
            "    New-ItemProperty -LiteralPath $key -Name $name -PropertyType String -Value $data -Force | Out-Null",
            '    Write-Output "set: $key\\$name"',
            "}",
        ]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")
