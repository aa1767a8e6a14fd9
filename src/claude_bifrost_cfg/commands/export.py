"""``cbcfg export PROFILE --format F``: the profile's managed settings as an MDM/policy artefact.

Thin on purpose: options in, ``export`` package out. It reads the profile and writes only ``-o``.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..completion import complete_profile_names
from .common import RootOptions, root_options, some_profile_options


@click.command()
@click.argument("profile", metavar="PROFILE", shell_complete=complete_profile_names)
@click.option(
    "--format", "-f", "format_name", metavar="FORMAT", help="managed-json, mobileconfig, plist, reg or powershell."
)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), metavar="FILE", help="Write FILE (atomically) instead of stdout."
)
@click.option(
    "--product",
    metavar="code|desktop",
    default="code",
    show_default=True,
    help="Claude Code's managed settings, or Claude Desktop's gateway policy (com.anthropic.claudefordesktop).",
)
@click.option("--display-name", metavar="NAME", help="mobileconfig: the name the MDM and the Mac show.")
@click.option("--organization", metavar="NAME", help="mobileconfig: your organisation.")
@click.option(
    "--include-key", is_flag=True, help="Put the virtual key in the export (readable by every local account)."
)
@some_profile_options("key_stdin", "gateway_url", "allow_insecure", "key_mode")
@root_options
def export(
    roots: RootOptions,
    profile: str,
    format_name: str | None,
    product: str,
    output: Path | None,
    display_name: str | None,
    organization: str | None,
    include_key: bool,
    key_stdin: bool,
    gateway_url: str | None,
    allow_insecure: bool,
    key_mode: str | None,
) -> None:
    """Export a profile's managed settings for Jamf/Kandji (mobileconfig, plist), Intune (reg, powershell) or a file.

    PROFILE is a profile name (see 'cbcfg profiles').
    """
    from ..export.run import export_profile

    export_profile(
        profile,
        format_name,
        layout=roots.layout(),
        profiles_dir=roots.profiles_dir,
        output=output,
        display_name=display_name,
        organization=organization,
        include_key=include_key,
        key_stdin=key_stdin,
        gateway_url=gateway_url,
        allow_insecure=allow_insecure,
        key_mode=key_mode,
        product=product,
    )
