"""``cbcfg import NAME``: the Bifrost setup in effect now becomes a profile of yours, without the key;
applying it right away changes nothing."""

from __future__ import annotations

import os
import sys

import click

from .common import RootOptions, root_options, sources


@click.command("import")
@click.argument("name")
@root_options
def import_(roots: RootOptions, name: str) -> None:
    """Write the Bifrost setup in effect now (gateway URL, model pins, MCP entry, Claude Code's own
    variables) as profile NAME, without the key. 'cbcfg apply NAME --check' then exits 0."""
    from ..errors import RefusedError
    from ..output import Printer, emit_json, notice
    from ..profile_edit import check_profile, write_profile
    from ..profile_import import profile_text, read_setup
    from ..profiles import check_profile_name

    check_profile_name(name)
    layout = roots.layout()
    found = sources(layout, roots.profiles_dir)
    folder = roots.profiles_dir.absolute() if roots.profiles_dir else layout.user_profiles_dir
    path = folder / f"{name}.toml"
    if path.exists() or path.is_symlink():
        raise RefusedError(
            f"profile {name!r} exists: {path}", "pick another name, or remove it: cbcfg profile rm " + name
        )
    imported = read_setup(layout, os.environ)
    text = profile_text(name, imported)
    index = next(i for i, source in enumerate(found) if source.folder.absolute() == folder.absolute())
    check_profile(text, str(path), name, index, found)
    write_profile(path, text)
    if roots.json_output:
        emit_json(
            {
                "command": "import",
                "profile": name,
                "path": str(path),
                "gateway_url": imported.gateway_url,
                "models": imported.models,
                "env": imported.env,
                "settings": imported.settings,
                "mcp": imported.mcp_name,
                "targets": imported.targets,
                "read_from": imported.read_from,
                "notes": imported.notes,
            }
        )
        return
    for note in imported.notes:
        notice(note)
    printer = Printer(sys.stdout)
    printer.line(f"Wrote profile {name!r}: {path} (targets {', '.join(imported.targets)}; no key in it).")
    printer.line(f"It matches what is in place: cbcfg apply {name} --check")
