"""Where profiles are and what their file names may be, without loading a profile: light enough for
shell completion (the standard library only)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def bundled_profiles_dir() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "bundled_profiles"  # where the wheel puts them
    return installed if installed.is_dir() else here.parents[1] / "profiles"


def names_in(folders: Iterable[Path]) -> set[str]:
    """The profile names whose files are in these folders."""
    names: set[str] = set()
    for folder in folders:
        if folder.is_dir():
            names.update(p.stem for p in folder.glob("*.toml") if NAME_PATTERN.match(p.stem))
    return names
