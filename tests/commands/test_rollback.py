"""cbcfg rollback: undo a backup set (byte for byte when nothing changed since, else cbcfg's keys only,
three-way); repeated rollbacks walk back; itself undoable; backups bounded."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import KEY, Scratch, read_json, snapshot_tree, target_paths, targets_args, write

TARGETS = ("code", "code-project", "code-local", "desktop", "code-mcp", "project-mcp", "managed")
ORIGINAL = {
    "code": b'{\r\n\t"hooks": {"Stop": []},\r\n\t"env": {"FOO": "1"}\r\n}',
    "desktop": b'{"mcpServers":{"files":{"command":"npx"}}}\n',
    "code-mcp": b'{\n  "numStartups": 7,\n  "mcpServers": {}\n}\n',
}


def seed(scratch: Scratch) -> dict[str, bytes]:
    paths = target_paths(scratch)
    for target, data in ORIGINAL.items():
        write(paths[target], data)
    paths["code"].chmod(0o640)
    return {target: paths[target].read_bytes() for target in ORIGINAL}


def apply(scratch: Scratch, profile: str = "bedrock") -> str:
    result = scratch.cbcfg(
        "apply", profile, *targets_args(TARGETS), "--system-root", str(scratch.system_root), "--yes", "--json", key=KEY
    )
    assert result.exit_code == 0, result.output
    backup_set: str = result.json["backup_set"]
    return backup_set


def files_only(tree: dict[str, tuple[object, ...]], scratch: Scratch) -> dict[str, tuple[object, ...]]:
    """The tree outside cbcfg's state folder, without mtimes (a restore is a new write)."""
    state = scratch.state_dir.relative_to(scratch.root).as_posix()
    return {
        path: entry[:2] + entry[3:] if entry[0] == "file" else entry
        for path, entry in tree.items()
        if not path.startswith(state)
    }


def test_rollback_restores_every_file_and_removes_created_ones(scratch: Scratch) -> None:
    seed(scratch)
    before = files_only(scratch.tree(), scratch)
    apply(scratch)
    result = scratch.cbcfg("rollback", "--yes", "--system-root", str(scratch.system_root))
    assert result.exit_code == 0, result.output
    after = files_only(scratch.tree(), scratch)
    created_folders = {p for p in set(after) - set(before) if after[p][0] == "dir"}
    assert {p: e for p, e in after.items() if p not in created_folders} == before  # bytes and modes
    assert not (scratch.project / ".mcp.json").exists()
    assert stat.S_IMODE(scratch.settings.stat().st_mode) == 0o640
    assert "Restored backup set" in result.stdout
    rows = {row["target"]: row["state"] for row in scratch.cbcfg("status", "--json").json["files"]}
    assert rows["code"] == "not managed" and rows["project-mcp"] == "absent"  # records went back too


def test_the_preview_shows_what_will_be_restored(scratch: Scratch) -> None:
    seed(scratch)
    apply(scratch, "local")
    result = scratch.cbcfg("rollback", "--yes")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Backup set ") and "(apply local, " in lines[0]
    assert "~/.claude/settings.json (code): restore" in lines
    assert "~/.config/Claude/claude_desktop_config.json (desktop): restore" in lines
    assert f"{scratch.project}/.mcp.json (project-mcp): removed" in lines
    assert f'-\t\t"ANTHROPIC_API_KEY": "sk-bf-…{KEY[-4:]}",' not in lines  # keys masked in the diff too


def test_rollback_of_a_rollback(scratch: Scratch) -> None:
    """A rollback's own set is undone by naming it (a plain rollback walks further back instead)."""
    seed(scratch)
    apply(scratch)
    applied = files_only(scratch.tree(), scratch)
    first = scratch.cbcfg("rollback", "--yes", "--system-root", str(scratch.system_root), "--json")
    assert first.exit_code == 0
    undo = first.json["backup_set"]
    result = scratch.cbcfg("rollback", undo, "--yes", "--system-root", str(scratch.system_root), "--json")
    assert result.exit_code == 0, result.output
    assert files_only(scratch.tree(), scratch) == applied
    again = scratch.cbcfg(
        "apply", "bedrock", *targets_args(TARGETS), "--system-root", str(scratch.system_root), "--yes", key=KEY
    )
    assert "Nothing to change" in again.output  # records came back with the files


def test_rollback_a_named_older_set(scratch: Scratch) -> None:
    originals = seed(scratch)
    first = apply(scratch, "local")
    apply(scratch, "azure")
    assert scratch.cbcfg("rollback", first, "--yes").exit_code == 0
    for target, data in originals.items():
        assert target_paths(scratch)[target].read_bytes() == data


def test_list(scratch: Scratch) -> None:
    seed(scratch)
    first = apply(scratch, "local")
    second = apply(scratch, "vertex")
    before = scratch.tree()
    result = scratch.cbcfg("rollback", "--list", "--json")
    assert result.exit_code == 0
    assert set(result.json) == {"command", "sets"}
    sets = result.json["sets"]
    assert [s["id"] for s in sets] == [second, first]  # newest first
    assert set(sets[0]) == {"id", "created", "command", "profile", "files"}
    assert sets[1]["command"] == "apply local" and sets[1]["profile"] == "local"
    entry = next(f for f in sets[1]["files"] if f["target"] == "code")
    assert entry == {"path": "~/.claude/settings.json", "target": "code", "existed": True}
    human = scratch.cbcfg("rollback", "--list")
    assert human.stdout.splitlines()[0].split() == ["SET", "CREATED", "COMMAND", "FILES"]
    assert scratch.tree() == before


def test_json_shape(scratch: Scratch) -> None:
    set_id = apply(scratch, "local")
    result = scratch.cbcfg("rollback", "--yes", "--json", "--system-root", str(scratch.system_root))
    assert result.exit_code == 0
    data = result.json
    assert set(data) == {"command", "set", "backup_set", "files"}
    assert data["set"] == set_id and data["backup_set"] != set_id
    assert {f["outcome"] for f in data["files"]} == {"removed"}
    assert all(set(f) == {"path", "target", "outcome", "drift"} for f in data["files"])


def test_nothing_to_roll_back(scratch: Scratch) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("rollback", "--yes")
    assert result.exit_code == 9
    assert "no backup sets" in result.error_line()
    assert scratch.tree() == before


def test_an_unknown_set(scratch: Scratch) -> None:
    apply(scratch, "local")
    before = scratch.tree()
    result = scratch.cbcfg("rollback", "20000101T000000Z-000000", "--yes")
    assert result.exit_code == 9
    assert "rollback --list" in result.error_line()
    assert scratch.tree() == before


def test_without_a_terminal_and_without_yes_nothing_is_restored(scratch: Scratch) -> None:
    apply(scratch, "local")
    before = scratch.tree()
    result = scratch.cbcfg("rollback")
    assert result.exit_code == 5
    assert "--yes" in result.error_line()
    assert scratch.tree() == before


def test_a_symlinked_file_is_restored_through_the_link(scratch: Scratch) -> None:
    target = write(scratch.root / "dotfiles" / "settings.json", b'{"model": "opus"}\n')
    scratch.settings.parent.mkdir(parents=True)
    scratch.settings.symlink_to(target)
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    assert "env" in read_json(target)
    assert scratch.cbcfg("rollback", "--yes").exit_code == 0
    assert scratch.settings.is_symlink() and os.readlink(scratch.settings) == str(target)
    assert target.read_bytes() == b'{"model": "opus"}\n'


def test_state_and_rollback_belong_to_the_home_given(scratch: Scratch) -> None:
    alice = scratch.root / "alice"
    settings = write(alice / ".claude" / "settings.json", b"{}\n")
    assert scratch.cbcfg("apply", "local", "--home", str(alice), "-t", "code", "--yes", key=KEY).exit_code == 0
    assert scratch.cbcfg("rollback", "--yes").exit_code == 9  # scratch.home has no sets
    assert scratch.cbcfg("rollback", "--home", str(alice), "--yes").exit_code == 0
    assert settings.read_bytes() == b"{}\n"
    backups = alice / ".local/state/cbcfg/backups"
    assert len(list(backups.iterdir())) == 2  # the apply's set and the rollback's own
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in [backups, *backups.iterdir()])
    for copy in backups.rglob("*"):
        if copy.is_file():
            assert stat.S_IMODE(copy.stat().st_mode) == 0o600, copy  # backups hold the key


def test_backups_never_leave_the_state_folder(scratch: Scratch) -> None:
    seed(scratch)
    apply(scratch)
    tree = snapshot_tree(scratch.home)
    state = scratch.state_dir.relative_to(scratch.home).as_posix()
    assert {p for p in tree if KEY in str(tree[p][-1])} - {p for p in tree if p.startswith(state)} <= {
        ".claude/settings.json",
        ".claude.json",
        ".config/Claude/claude_desktop_config.json",
    }
    assert Path(scratch.state_dir / "records.json").read_bytes().find(KEY.encode()) == -1  # digests only


# --- issue 12 item 7: rollback never silently loses a later edit; repeated rollbacks walk back ---

USER_SETTINGS = '{\n  "permissions": {"allow": ["Bash(npm test)"]},\n  "env": {"FOO": "1"}\n}\n'


def edit_json(path: Path, change: Any) -> None:
    document = read_json(path)
    change(document)
    path.write_text(json.dumps(document, indent=2) + "\n")


def test_rollback_keeps_a_permission_added_after_the_apply(scratch: Scratch) -> None:
    write(scratch.settings, USER_SETTINGS)
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    edit_json(scratch.settings, lambda doc: doc["permissions"]["allow"].append("Bash(ls)"))
    result = scratch.cbcfg("rollback", "--yes", "--json")
    assert result.exit_code == 0, result.output
    assert read_json(scratch.settings) == {
        "permissions": {"allow": ["Bash(npm test)", "Bash(ls)"]},  # the later edit survives
        "env": {"FOO": "1"},  # and every key cbcfg set is gone
    }
    assert [f["outcome"] for f in result.json["files"]] == ["restored"]
    assert scratch.cbcfg("status", "--json").json["files"][0]["state"] == "not managed"


def test_a_second_rollback_walks_back_instead_of_toggling(scratch: Scratch) -> None:
    originals = seed(scratch)
    apply(scratch, "local")
    after_local = {t: target_paths(scratch)[t].read_bytes() for t in originals}
    apply(scratch, "azure")
    assert scratch.cbcfg("rollback", "--yes", "--system-root", str(scratch.system_root)).exit_code == 0
    assert {t: target_paths(scratch)[t].read_bytes() for t in originals} == after_local  # azure undone
    assert scratch.cbcfg("rollback", "--yes", "--system-root", str(scratch.system_root)).exit_code == 0
    assert {t: target_paths(scratch)[t].read_bytes() for t in originals} == originals  # then local
    last = scratch.cbcfg("rollback", "--yes", "--system-root", str(scratch.system_root))
    assert last.exit_code == 9 and "nothing left to roll back" in last.error_line()


def test_walking_back_keeps_an_edit_made_between_two_applies(scratch: Scratch) -> None:
    write(scratch.settings, USER_SETTINGS)
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    edit_json(scratch.settings, lambda doc: doc.update(model="opus"))
    assert scratch.cbcfg("apply", "azure", "-t", "code", "--yes", key=KEY).exit_code == 0
    assert scratch.cbcfg("rollback", "--yes").exit_code == 0
    assert scratch.cbcfg("rollback", "--yes").exit_code == 0
    assert read_json(scratch.settings) == json.loads(USER_SETTINGS) | {"model": "opus"}


def test_a_key_changed_since_is_left_alone_and_reported(scratch: Scratch) -> None:
    write(scratch.settings, USER_SETTINGS)
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    mine = "https://my-own-gateway.example.com/anthropic"
    edit_json(scratch.settings, lambda doc: doc["env"].update(ANTHROPIC_BASE_URL=mine))
    result = scratch.cbcfg("rollback", "--yes", "--json")
    assert result.exit_code == 0, result.output
    env = read_json(scratch.settings)["env"]
    assert env == {"FOO": "1", "ANTHROPIC_BASE_URL": mine}  # the user's value kept, cbcfg's other keys gone
    drift = result.json["files"][0]["drift"]
    assert [d["pointer"] for d in drift] == ["/env/ANTHROPIC_BASE_URL"]
    assert "left alone" in drift[0]["reason"]
    assert "/env/ANTHROPIC_BASE_URL: changed since cbcfg set it; left alone" in result.stderr


def test_a_created_file_with_a_users_key_in_it_is_kept(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    edit_json(scratch.settings, lambda doc: doc.update(model="opus"))
    assert scratch.cbcfg("rollback", "--yes").exit_code == 0
    assert read_json(scratch.settings) == {"model": "opus"}  # cbcfg's keys out, the user's stay


# --- issue 12 item 8: bounded backups ----------------------------------------------------------


def test_backups_are_pruned_to_the_configured_number(scratch: Scratch) -> None:
    keep = {"CBCFG_KEEP_BACKUPS": "3"}
    made = []
    for profile in ("local", "azure", "local", "azure", "local"):
        result = scratch.cbcfg("apply", profile, "-t", "code", "--yes", "--json", key=KEY, env=keep)
        assert result.exit_code == 0, result.output
        made.append(result.json["backup_set"])
    assert sorted(p.name for p in (scratch.state_dir / "backups").iterdir()) == made[-3:]  # the newest 3


def test_backups_default_to_twenty(scratch: Scratch) -> None:
    for number in range(22):
        result = scratch.cbcfg("apply", ("local", "azure")[number % 2], "-t", "code", "--yes", key=KEY)
        assert result.exit_code == 0, result.output
    assert len(list((scratch.state_dir / "backups").iterdir())) == 20


def test_a_failed_run_prunes_nothing(scratch: Scratch) -> None:
    keep = {"CBCFG_KEEP_BACKUPS": "1"}
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY, env=keep).exit_code == 0
    before = sorted(p.name for p in (scratch.state_dir / "backups").iterdir())
    failed = scratch.cbcfg(
        "apply", "azure", "-t", "code", "--yes", key=KEY, env=keep | {"CBCFG_FAULT": "error:before-replace"}
    )
    assert failed.exit_code == 7, failed.output
    assert before[0] in {p.name for p in (scratch.state_dir / "backups").iterdir()}


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_bad_keep_backups_is_a_usage_error_and_writes_nothing(scratch: Scratch, value: str) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY, env={"CBCFG_KEEP_BACKUPS": value})
    assert result.exit_code == 2, result.output
    assert f"CBCFG_KEEP_BACKUPS={value!r}" in result.error_line()
    assert scratch.tree() == before


def test_after_rolling_back_a_named_older_set_nothing_newer_is_left_to_undo(scratch: Scratch) -> None:
    originals = seed(scratch)
    first = apply(scratch, "local")
    apply(scratch, "azure")
    assert scratch.cbcfg("rollback", first, "--yes").exit_code == 0  # azure's keys went with it
    result = scratch.cbcfg("rollback", "--yes")
    assert result.exit_code == 9 and "nothing left to roll back" in result.error_line()
    for target, data in originals.items():
        assert target_paths(scratch)[target].read_bytes() == data
