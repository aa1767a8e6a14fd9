"""cbcfg remove: every key cbcfg owns out, every other byte kept, created files gone, records
forgotten, one backup set that rollback undoes; drift left alone unless --force."""

from __future__ import annotations

import json
import stat

from tests.cli_helpers import KEY, Scratch, read_json, snapshot_tree, target_paths, targets_args, write
from tests.commands.test_cli import answered

# The user's own keys before, between and after the place cbcfg puts its own (odd layout on purpose).
USERS_SETTINGS = b'{\r\n\t"hooks": {"Stop": []},\r\n\t"env": {"FOO": "1",  "BAR": "2"},\r\n\t"theme": "dark"\r\n}'
USERS_CLAUDE_JSON = b'{\n  "numStartups": 7,\n  "mcpServers": {"files": {"command": "npx"}}\n}\n'


def apply(scratch: Scratch, profile: str = "bedrock", *targets: str) -> None:
    chosen = targets or ("code", "code-mcp", "desktop")
    result = scratch.cbcfg("apply", profile, *targets_args(chosen), "--yes", key=KEY)
    assert result.exit_code == 0, result.output


def outside_state(scratch: Scratch) -> dict[str, tuple[object, ...]]:
    """Every file and folder outside cbcfg's state folder: kind, mode and bytes (no mtimes)."""
    state = scratch.state_dir.relative_to(scratch.root).as_posix()
    return {
        path: entry[:2] + entry[3:] if entry[0] == "file" else entry
        for path, entry in snapshot_tree(scratch.root).items()
        if not path.startswith(state)
    }


def test_remove_keeps_every_foreign_byte_and_removes_the_files_it_created(scratch: Scratch) -> None:
    write(scratch.settings, USERS_SETTINGS)
    scratch.settings.chmod(0o640)
    write(scratch.claude_json, USERS_CLAUDE_JSON)
    apply(scratch)
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == KEY
    assert scratch.desktop.exists()  # created by cbcfg

    result = scratch.cbcfg("remove", "--yes")
    assert result.exit_code == 0, result.output
    assert scratch.settings.read_bytes() == USERS_SETTINGS  # byte for byte, the user's keys in between
    assert scratch.claude_json.read_bytes() == USERS_CLAUDE_JSON
    assert not scratch.desktop.exists()  # cbcfg made it and nothing else was in it
    for path, entry in outside_state(scratch).items():  # the key is gone (but for the backups)
        assert entry[0] != "file" or (isinstance(entry[2], bytes) and KEY.encode() not in entry[2]), path
    assert "Removed cbcfg's keys: 3 file(s) changed" in result.stdout
    assert "undo: cbcfg rollback" in result.stdout
    status = scratch.cbcfg("status", "--json").json
    assert {row["target"]: row["state"] for row in status["files"]}["code"] == "not managed"  # records forgotten

    again = scratch.cbcfg("remove", "--yes")
    assert again.exit_code == 0 and "Nothing to remove: cbcfg has no records for any file." in again.stdout


def test_rollback_after_remove_puts_cbcfg_keys_back(scratch: Scratch) -> None:
    write(scratch.settings, USERS_SETTINGS)
    apply(scratch)
    applied = outside_state(scratch)
    assert scratch.cbcfg("remove", "--yes").exit_code == 0
    result = scratch.cbcfg("rollback", "--yes")
    assert result.exit_code == 0, result.output
    assert outside_state(scratch) == applied  # the files as the apply left them, created one too
    rows = {row["target"]: row for row in scratch.cbcfg("status", "--json").json["files"]}
    assert rows["code"]["state"] == "applied" and rows["code"]["profile"] == "bedrock"


def test_dry_run_and_check_write_nothing(scratch: Scratch) -> None:
    write(scratch.settings, USERS_SETTINGS)
    apply(scratch)
    before = snapshot_tree(scratch.root)
    dry = scratch.cbcfg("remove", "--dry-run")
    assert dry.exit_code == 0 and "Dry run: nothing was written." in dry.stdout
    assert f"sk-bf-…{KEY[-4:]}" in dry.stdout  # the diff, key masked
    check = scratch.cbcfg("remove", "--check", "--json")
    assert check.exit_code == 10 and check.json["pending"] is True
    assert snapshot_tree(scratch.root) == before


def test_json_shape(scratch: Scratch) -> None:
    write(scratch.settings, USERS_SETTINGS)
    apply(scratch, "local", "code", "desktop")
    report = scratch.cbcfg("remove", "--yes", "--json").json
    assert set(report) == {"command", "dry_run", "removed", "pending", "backup_set", "files", "key", "summary"}
    assert report["command"] == "remove" and report["removed"] is True and report["dry_run"] is False
    assert report["summary"] == {"changed": 2, "unchanged": 0, "drift": 0}
    files = {entry["target"]: entry for entry in report["files"]}
    assert files["code"]["action"] == "update" and files["desktop"]["action"] == "delete"
    assert files["code"]["path"] == "~/.claude/settings.json" and files["code"]["forgotten"] is True
    changes = {change["pointer"]: change for change in files["code"]["changes"]}
    assert changes["/env/ANTHROPIC_API_KEY"] == {
        "pointer": "/env/ANTHROPIC_API_KEY",
        "action": "remove",
        "old": f"sk-bf-…{KEY[-4:]}",
        "new": None,
    }
    listed = scratch.cbcfg("rollback", "--list", "--json").json["sets"]
    assert listed[0]["id"] == report["backup_set"] and listed[0]["command"] == "remove"
    assert listed[0]["profile"] == "local"


def test_a_key_changed_by_hand_is_left_alone_and_reported(scratch: Scratch) -> None:
    write(scratch.settings, USERS_SETTINGS)
    apply(scratch, "bedrock", "code")
    document = read_json(scratch.settings)
    document["env"]["ANTHROPIC_BASE_URL"] = "https://my-own-gateway.example/anthropic"
    scratch.settings.write_text(json.dumps(document, indent=2))

    result = scratch.cbcfg("remove", "--yes", "--json")
    assert result.exit_code == 0, result.output
    entry = result.json["files"][0]
    assert entry["drift"] == [
        {"pointer": "/env/ANTHROPIC_BASE_URL", "reason": "changed since cbcfg set it and no longer wanted; left alone"}
    ]
    assert entry["forgotten"] is False and result.json["summary"]["drift"] == 1
    assert result.stderr == (
        "cbcfg: warning: ~/.claude/settings.json: /env/ANTHROPIC_BASE_URL "
        "changed since cbcfg set it and no longer wanted; left alone\n"
    )
    env = read_json(scratch.settings)["env"]
    assert env == {"FOO": "1", "BAR": "2", "ANTHROPIC_BASE_URL": "https://my-own-gateway.example/anthropic"}

    human = scratch.cbcfg("remove", "--yes")
    assert "to remove them too: cbcfg remove --force" in human.stdout  # still cbcfg's key, still drift
    forced = scratch.cbcfg("remove", "--yes", "--force")
    assert forced.exit_code == 0, forced.output
    assert read_json(scratch.settings)["env"] == {"FOO": "1", "BAR": "2"}


def test_only_the_targets_named(scratch: Scratch) -> None:
    apply(scratch, "local", "code", "desktop")
    result = scratch.cbcfg("remove", "--target", "desktop", "--yes")
    assert result.exit_code == 0, result.output
    assert not scratch.desktop.exists()
    assert read_json(scratch.settings)["env"]["ANTHROPIC_API_KEY"] == KEY
    bad = scratch.cbcfg("remove", "--target", "nosuch", "--yes")
    assert bad.exit_code == 2 and bad.error_line().startswith("cbcfg: error: unknown target 'nosuch'")


def test_a_file_the_user_had_is_kept_even_when_empty_afterwards(scratch: Scratch) -> None:
    write(scratch.settings, b"{}\n")
    scratch.settings.chmod(0o600)
    apply(scratch, "local", "code")
    assert scratch.cbcfg("remove", "--yes").exit_code == 0
    assert scratch.settings.read_bytes() == b"{}\n"
    assert stat.S_IMODE(scratch.settings.stat().st_mode) == 0o600


def test_no_terminal_needs_yes_and_no_is_exit_5(scratch: Scratch) -> None:
    apply(scratch, "local", "code")
    before = snapshot_tree(scratch.root)
    refused = scratch.cbcfg("remove")
    assert refused.exit_code == 5
    assert refused.error_line() == (
        "cbcfg: error: removing needs confirmation and there is no terminal to ask on — pass --yes"
    )
    assert snapshot_tree(scratch.root) == before


def test_a_file_that_no_longer_parses_is_refused_untouched(scratch: Scratch) -> None:
    apply(scratch, "local", "code", "code-mcp")
    scratch.settings.write_text('{"env": {')
    before = snapshot_tree(scratch.root)
    result = scratch.cbcfg("remove", "--yes")
    assert result.exit_code == 3
    assert result.error_line().startswith("cbcfg: error: ~/.claude/settings.json: ")
    assert snapshot_tree(scratch.root) == before
    assert target_paths(scratch)["code-mcp"].exists()  # nothing written half


def test_no_at_the_prompt_is_a_plain_line_and_yes_removes(scratch: Scratch) -> None:
    apply(scratch, "local", "code")
    before = scratch.tree()
    code, output = answered(scratch, "n", "remove")
    assert code == 5
    assert "Not removed: nothing was written." in output and "error" not in output
    assert scratch.tree() == before
    code, output = answered(scratch, "y", "remove")
    assert code == 0, output
    assert not scratch.settings.exists()


def test_a_created_file_the_user_added_to_is_kept(scratch: Scratch) -> None:
    apply(scratch, "local", "code")
    document = read_json(scratch.settings)
    document["theme"] = "dark"
    scratch.settings.write_text(json.dumps(document, indent=2) + "\n")
    assert scratch.cbcfg("remove", "--yes").exit_code == 0
    assert read_json(scratch.settings) == {"theme": "dark"}


def test_a_file_the_user_made_again_after_cbcfg_removed_it_is_kept(scratch: Scratch) -> None:
    apply(scratch, "local", "code")  # created by cbcfg
    assert scratch.cbcfg("remove", "--yes").exit_code == 0
    assert not scratch.settings.exists()
    write(scratch.settings, b"{}\n")  # the user's own, now
    apply(scratch, "local", "code")
    assert scratch.cbcfg("remove", "--yes").exit_code == 0
    assert scratch.settings.read_bytes() == b"{}\n"
