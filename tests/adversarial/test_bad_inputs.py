"""Malformed and hostile inputs, kept as files in corpus/ (see corpus/manifest.toml).

Each case: the documented exit code, one clean line on stderr (no traceback), every file byte-identical
(a failed apply writes nothing, not even cbcfg's own state), and nothing secret printed. ``diff`` fails
the same way, and ``status`` still reports instead of crashing.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from claude_bifrost_cfg.jsondoc import parse_document
from claude_bifrost_cfg.layout import display_path
from claude_bifrost_cfg.targets import ALL
from tests.adversarial.scratch import KEY, Scratch, assert_one_clean_line

CORPUS = Path(__file__).parent / "corpus"
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "manifest.toml").read_text("utf-8"))["case"]
USER_SETTINGS = b'{\n  "permissions": {"allow": ["Bash(git diff:*)"]},\n  "env": {"FOO": "bar"}\n}\n'


def case_id(case: dict[str, Any]) -> str:
    return str(case.get("name") or case["file"])


def _arrange(scratch: Scratch, case: dict[str, Any]) -> tuple[list[str], Path | None]:
    """Put the case's file where it belongs; the apply arguments, and the file cbcfg would change."""
    profiles = scratch.root / "profiles"
    shutil.copytree(CORPUS / "profiles", profiles)
    scratch.settings.parent.mkdir(parents=True)
    scratch.settings.write_bytes(USER_SETTINGS)
    args = ["--yes", "--profiles-dir", str(profiles), *case.get("args", [])]
    file = case.get("file", "")
    profile = case.get("profile", "local")
    placed = None
    if file.startswith("targets/"):
        target = file.split("/")[1]
        placed = scratch.target_path(target)
        placed.parent.mkdir(parents=True, exist_ok=True)
        placed.write_bytes((CORPUS / file).read_bytes())
        args += ["-t", target]
    elif file.startswith("profiles/"):
        profile = case.get("profile", Path(file).stem)
    return [profile, *args], placed


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_bad_input(scratch: Scratch, case: dict[str, Any]) -> None:
    args, placed = _arrange(scratch, case)
    before = scratch.tree()
    result = scratch.invoke("apply", *args, stdin=case.get("stdin"))
    printed = result.stdout + result.stderr
    assert KEY not in printed
    if "secret" in case:
        assert case["secret"] not in printed, result
    assert result.code == case["exit"], result
    if case["exit"] == 0:
        assert "Traceback" not in printed
        if placed is not None:
            text = placed.read_text("utf-8")
            parse_document(text)  # what cbcfg wrote is strict JSON
            for kept in case.get("kept", []):
                assert kept in text
        return
    assert_one_clean_line(result)
    assert case["message"] in result.stderr, result
    assert scratch.tree() == before, "a refused apply changed files"

    if placed is not None:  # diff and status read the same file: they fail and report as cleanly
        again = scratch.invoke("diff", *[a for a in args if a != "--yes"], stdin=case.get("stdin"))
        assert again.code == case["exit"], again
        assert_one_clean_line(again)
        status = scratch.invoke("status", "--json")
        assert status.code == 0, status
        shown = display_path(placed, scratch.home)
        for row in json.loads(status.stdout)["files"]:  # managed is listed only once cbcfg wrote it
            if row["path"] == shown:
                assert row["state"] in ("invalid", "not managed"), row
    assert scratch.tree() == before


def test_corpus_is_large_and_complete() -> None:
    """At least 40 hostile inputs, every target covered, every corpus file in the manifest."""
    files = {case["file"] for case in CASES if "file" in case}
    on_disk = {path.relative_to(CORPUS).as_posix() for path in CORPUS.rglob("*") if path.is_file()}
    assert on_disk - {"manifest.toml"} == files
    refused = [case for case in CASES if case["exit"] != 0]
    assert len(refused) >= 40
    assert {file.split("/")[1] for file in files if file.startswith("targets/")} == set(ALL)
    for case in refused:
        assert case.get("message"), f"{case_id(case)}: give the expected message"
