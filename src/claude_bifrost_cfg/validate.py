"""Validate a merged document before it is written.

Two layers: pydantic models of what cbcfg owns (each target's ``check_owned``), and, for Claude
Code settings files, the published JSON schema (SchemaStore's claude-code-settings.json, draft-07).
The schema ships inside the package rather than being fetched: cbcfg runs on offline fleet images
and in CI, must give the same answer on every machine, and must send no traffic but to the gateway.
``scripts/update-settings-schema.sh`` refreshes the copy. Problems the file already had before
cbcfg touched it are reported, not blocking: cbcfg refuses only what it would make worse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from .desired import Fragment
from .targets.base import Target

SCHEMA_RESOURCE = "claude-code-settings.schema.json"


@cache
def _settings_schema() -> Any:
    # Beside this module, read as a plain file (as profile_folders finds the bundled profiles):
    # importlib.resources brings zipfile and its readers, some 10 ms of every apply, for a package
    # that is always installed as files.
    return json.loads((Path(__file__).parent / "schemas" / SCHEMA_RESOURCE).read_text("utf-8"))


@cache
def _settings_validator() -> Any:
    import jsonschema  # ~50 ms: only for a document the quick check found invalid, for the messages

    return jsonschema.Draft7Validator(_settings_schema())


@cache
def _settings_check() -> Callable[[Any], bool | None]:
    from .draft7 import compile_schema

    return compile_schema(_settings_schema())


def schema_problems(document: dict[str, Any]) -> set[str]:
    if _settings_check()(document) is True:  # jsonschema's verdict, without loading jsonschema
        return set()
    problems = set()
    for error in _settings_validator().iter_errors(document):
        where = "/" + "/".join(str(part) for part in error.absolute_path)
        problems.add(f"{where}: {error.message}")
    return problems


def problems_added(
    target: Target, before: dict[str, Any] | None, after: dict[str, Any], fragment: Fragment
) -> list[str]:
    """Problems in ``after`` that ``before`` did not have."""
    found = set(target.check_owned(after, fragment))
    if target.settings_schema:
        found |= schema_problems(after)
        if before is not None and found:
            found -= schema_problems(before)
    if before is not None:
        found -= set(target.check_owned(before, fragment))
    return sorted(found)
