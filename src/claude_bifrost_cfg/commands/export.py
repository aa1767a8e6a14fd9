"""``cbcfg export PROFILE --format F``: the profile's managed settings as an MDM/policy artefact.

Thin on purpose: options in, ``export`` package out. It reads the profile and writes only ``-o``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import GatewayOption, HomeOption, InsecureOption, KeyStdinOption, ProfilesDirOption, reports_errors


@reports_errors
def export(
    profile: Annotated[str, typer.Argument(help="Profile name (see 'cbcfg profiles').")],
    format_name: Annotated[
        str | None,
        typer.Option("--format", "-f", help="managed-json, mobileconfig, plist, reg or powershell.", metavar="FORMAT"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write FILE (atomically) instead of stdout.", metavar="FILE")
    ] = None,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="mobileconfig: the name the MDM and the Mac show.")
    ] = None,
    organization: Annotated[str | None, typer.Option("--organization", help="mobileconfig: your organisation.")] = None,
    include_key: Annotated[
        bool,
        typer.Option("--include-key", help="Put the virtual key in the export (readable by every local account)."),
    ] = False,
    key_stdin: KeyStdinOption = False,
    gateway_url: GatewayOption = None,
    allow_insecure: InsecureOption = False,
    home: HomeOption = None,
    profiles_dir: ProfilesDirOption = None,
) -> None:
    """Export a profile's managed settings for Jamf/Kandji (mobileconfig, plist), Intune (reg, powershell) or a file."""
    from ..export.run import export_profile

    export_profile(
        profile,
        format_name,
        output=output,
        display_name=display_name,
        organization=organization,
        include_key=include_key,
        key_stdin=key_stdin,
        gateway_url=gateway_url,
        allow_insecure=allow_insecure,
        home=home,
        profiles_dir=profiles_dir,
    )
