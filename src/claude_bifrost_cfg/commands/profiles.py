"""``cbcfg profiles``: every profile cbcfg can apply, and where each comes from."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import CbcfgError
from ..output import Printer, emit_json
from ..profiles import list_profiles, load_profile
from .common import RootOptions, root_options, sources


@click.command()
@root_options
def profiles(roots: RootOptions) -> None:
    """List the profiles: bundled, yours (user folder) and --profiles-dir, which shadow bundled ones."""
    layout = roots.layout()
    found = sources(layout, roots.profiles_dir)
    rows: list[dict[str, Any]] = []
    for listing in list_profiles(found):
        try:
            description = load_profile(listing.name, found).description
            problem = None
        except CbcfgError as exc:
            description, problem = "", exc.message
        rows.append(
            {
                "name": listing.name,
                "source": listing.source,
                "path": str(listing.path),
                "shadows": list(listing.shadows),
                "description": description,
                "error": problem,
            }
        )
    if roots.json_output:
        emit_json(
            {"command": "profiles", "profiles": rows, "folders": {source.label: str(source.folder) for source in found}}
        )
        return
    printer = Printer(sys.stdout)
    printer.table(
        ["PROFILE", "SOURCE", "DESCRIPTION"],
        [
            [
                str(row["name"]),
                str(row["source"]) + (f" (shadows {', '.join(row['shadows'])})" if row["shadows"] else ""),
                f"invalid: {row['error']}" if row["error"] else str(row["description"]),
            ]
            for row in rows
        ],
    )
    printer.line(f"Your profiles go in {layout.user_profiles_dir}")
