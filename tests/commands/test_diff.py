"""cbcfg diff: the plan apply would carry out, as unified diffs; writes nothing."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import ALL_TARGETS, KEY, PLATFORMS, Scratch, target_paths, targets_args, write


def test_a_fresh_home_shows_every_file_to_create_and_writes_nothing(scratch: Scratch) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("diff", "bedrock", key=KEY)
    assert result.exit_code == 0, result.output
    assert scratch.tree() == before
    assert "~/.claude/settings.json (code): create, 5 changes" in result.stdout
    assert "--- /dev/null" in result.stdout and "+++ ~/.claude/settings.json (after)" in result.stdout
    assert '+    "ANTHROPIC_DEFAULT_OPUS_MODEL": "bedrock/' in result.stdout
    assert f'+    "ANTHROPIC_API_KEY": "sk-bf-…{KEY[-4:]}",' in result.stdout
    assert "~/.config/Claude/claude_desktop_config.json (desktop): create, 1 change" in result.stdout


def test_an_existing_file_shows_only_the_lines_that_change(scratch: Scratch) -> None:
    write(scratch.settings, '{\n  "model": "opus",\n  "env": {\n    "FOO": "1"\n  }\n}\n')
    result = scratch.cbcfg("diff", "local", "-t", "code", key=KEY)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "--- ~/.claude/settings.json (now)" in lines
    assert '-    "FOO": "1"' in lines and '+    "FOO": "1",' in lines
    assert ' "model": "opus",' not in [line[1:] for line in lines if line.startswith(("+", "-"))]


def test_after_apply_there_is_nothing_to_change(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "vertex", "--yes", key=KEY).exit_code == 0
    before = scratch.tree()
    result = scratch.cbcfg("diff", "vertex", key=KEY)
    assert result.exit_code == 0
    assert "Nothing to change: every file already matches profile 'vertex'." in result.stdout
    assert "@@" not in result.stdout
    assert scratch.tree() == before


def test_drift_is_shown_and_force_plans_the_overwrite(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    scratch.settings.write_bytes(scratch.settings.read_bytes().replace(b"localhost:8080", b"other:1"))
    before = scratch.tree()
    plain = scratch.cbcfg("diff", "local", "-t", "code", key=KEY)
    assert "drift: /env/ANTHROPIC_BASE_URL changed since cbcfg set it" in plain.stdout
    forced = scratch.cbcfg("diff", "local", "-t", "code", "--force", "--json", key=KEY)
    (entry,) = forced.json["files"]
    assert entry["changes"] == [
        {
            "pointer": "/env/ANTHROPIC_BASE_URL",
            "action": "replace",
            "old": "http://other:1/anthropic",
            "new": "http://localhost:8080/anthropic",
        }
    ]
    assert scratch.tree() == before


def test_json_shape(scratch: Scratch) -> None:
    result = scratch.cbcfg("diff", "azure", "--json", key=KEY)
    assert result.exit_code == 0
    data = result.json
    assert set(data) == {"command", "profile", "gateway_url", "files", "warnings", "summary"}
    assert data["command"] == "diff" and data["profile"] == "azure"
    assert data["summary"] == {"changed": 2, "unchanged": 0, "drift": 0}
    assert [f["target"] for f in data["files"]] == ["code", "desktop"]
    for entry in data["files"]:
        assert set(entry) == {"target", "path", "action", "changes", "drift", "notes"}
        assert entry["action"] == "create"
    assert f"sk-bf-…{KEY[-4:]}" in json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_paths_shown_per_platform(scratch: Scratch, platform: str) -> None:
    args = ("--platform", platform, "--system-root", str(scratch.system_root), "--json")
    result = scratch.cbcfg("diff", "bedrock", *targets_args(ALL_TARGETS), *args, key=KEY)
    assert result.exit_code == 0, result.output
    shown = {entry["target"]: entry["path"] for entry in result.json["files"]}
    for target, path in target_paths(scratch, platform).items():
        try:
            expected = "~/" + path.relative_to(scratch.home).as_posix()
        except ValueError:
            expected = str(path)
        assert shown[target] == expected


def test_diff_refuses_what_apply_refuses(scratch: Scratch) -> None:
    assert scratch.cbcfg("diff", "bedrock").exit_code == 5  # no key
    write(scratch.settings, b'{"env": {},}')
    before = scratch.tree()
    result = scratch.cbcfg("diff", "local")
    assert result.exit_code == 3
    assert "~/.claude/settings.json" in result.error_line()
    assert scratch.tree() == before
