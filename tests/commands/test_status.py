"""cbcfg status: per target file, which profile cbcfg applied and what drifted; writes nothing."""

from __future__ import annotations

from typing import Any

from tests.cli_helpers import KEY, Scratch, write


def states(scratch: Scratch, *args: str) -> dict[str, dict[str, Any]]:
    result = scratch.cbcfg("status", "--json", *args)
    assert result.exit_code == 0, result.output
    return {row["target"]: row for row in result.json["files"]}


def test_a_fresh_home(scratch: Scratch) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("status", "--json")
    assert result.exit_code == 0
    assert set(result.json) == {"command", "files", "last_backup_set"}
    assert result.json["last_backup_set"] is None
    rows = result.json["files"]
    assert [row["target"] for row in rows] == [
        "code",
        "code-project",
        "code-local",
        "desktop",
        "code-mcp",
        "project-mcp",
    ]
    for row in rows:
        assert set(row) == {"target", "path", "exists", "profile", "state", "drift", "error"}
        assert row["state"] == "absent" and row["exists"] is False and row["profile"] is None
    assert scratch.tree() == before


def test_after_apply(scratch: Scratch) -> None:
    write(scratch.project / ".mcp.json", '{"mcpServers": {}}\n')
    applied = scratch.cbcfg("apply", "bedrock", "--yes", "--json", key=KEY).json
    before = scratch.tree()
    rows = states(scratch)
    assert rows["code"]["state"] == "applied" and rows["code"]["profile"] == "bedrock"
    assert rows["desktop"]["state"] == "applied"
    assert rows["project-mcp"]["state"] == "not managed"
    assert rows["code-mcp"]["state"] == "absent"
    assert scratch.cbcfg("status", "--json").json["last_backup_set"] == applied["backup_set"]
    human = scratch.cbcfg("status")
    assert human.stdout.splitlines()[0].split() == ["TARGET", "FILE", "STATE", "PROFILE"]
    assert f"Last backup set: {applied['backup_set']} (apply bedrock)" in human.stdout
    assert scratch.tree() == before


def test_drift_missing_and_invalid(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "--yes", key=KEY).exit_code == 0
    scratch.settings.write_bytes(scratch.settings.read_bytes().replace(b"localhost", b"elsewhere"))
    scratch.desktop.unlink()
    rows = states(scratch)
    assert rows["code"]["state"] == "drift"
    assert rows["code"]["drift"] == [{"pointer": "/env/ANTHROPIC_BASE_URL", "reason": "changed since cbcfg set it"}]
    assert rows["desktop"]["state"] == "missing"
    human = scratch.cbcfg("status")
    assert "drift: ~/.claude/settings.json /env/ANTHROPIC_BASE_URL changed since cbcfg set it" in human.stdout

    scratch.settings.write_bytes(b'{"env": ')
    row = states(scratch)["code"]
    assert row["state"] == "invalid" and row["exists"] is True and "~/.claude/settings.json" in row["error"]


def test_managed_appears_once_cbcfg_wrote_it(scratch: Scratch) -> None:
    root = ("--system-root", str(scratch.system_root))
    assert "managed" not in states(scratch, *root)
    assert (
        scratch.cbcfg(
            "apply", "production", "-t", "managed", "--gateway-url", "https://gw.example", *root, "--yes", key=KEY
        ).exit_code
        == 0
    )
    row = states(scratch, *root)["managed"]
    assert row["state"] == "applied" and row["profile"] == "production"
    assert row["path"] == str(scratch.system_root / "etc/claude-code/managed-settings.json")


def test_status_follows_the_home_and_platform(scratch: Scratch) -> None:
    alice = scratch.root / "alice"
    alice.mkdir()
    assert scratch.cbcfg("apply", "local", "--home", str(alice), "--platform", "windows", "--yes").exit_code == 0
    rows = states(scratch, "--home", str(alice), "--platform", "windows")
    assert rows["desktop"]["path"] == "~/AppData/Roaming/Claude/claude_desktop_config.json"
    assert rows["desktop"]["state"] == "applied"
    assert states(scratch)["code"]["state"] == "absent"  # scratch.home knows nothing of alice
