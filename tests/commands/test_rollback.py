"""cbcfg rollback: restore a whole backup set, byte for byte; itself undoable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

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
