"""Rollback through a history with a killed apply in it: the killed run's write is part of the
history wherever it reached the file, and a key the user deleted after it stays deleted.

The kill is the real ``cbcfg apply`` in its own process, ended by the fault seam
(CBCFG_FAULT=kill:before-records: the files are written, the records are not saved yet).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_helpers import KEY, Scratch, read_json, write

PIN = "ANTHROPIC_DEFAULT_SONNET_MODEL"  # bedrock pins it, local does not


def apply(scratch: Scratch, profile: str) -> str:
    result = scratch.cbcfg("apply", profile, "-t", "code", "--yes", "--json", key=KEY)
    assert result.exit_code == 0, result.output
    backup_set: str = result.json["backup_set"]
    return backup_set


def killed_apply(scratch: Scratch, profile: str) -> None:
    kill = {"CBCFG_FAULT": "kill:before-records"}
    result = scratch.process("apply", profile, "-t", "code", "--yes", key=KEY, env=kill)
    assert result.code == 137, "the fault seam did not fire"


def delete_pin(path: Path) -> None:
    document = read_json(path)
    del document["env"][PIN]
    path.write_text(json.dumps(document, indent=4) + "\n")  # the user's editor, its own format


def rollback(scratch: Scratch, *args: str) -> list[str]:
    result = scratch.cbcfg("rollback", *args, "--yes", "--json")
    assert result.exit_code == 0, result.output
    return [drift["pointer"] for item in result.json["files"] for drift in item["drift"]]


def history(scratch: Scratch, kill: bool) -> str:
    """bedrock, then local (the pins go), then bedrock again (the pins back), killed or not; then
    the user deletes one pin. Returns the set of the local apply."""
    write(scratch.settings, '{\n  "env": {"FOO": "1"}\n}\n')
    apply(scratch, "bedrock")
    local = apply(scratch, "local")
    if kill:
        killed_apply(scratch, "bedrock")
    else:
        apply(scratch, "bedrock")
    assert PIN in read_json(scratch.settings)["env"]
    delete_pin(scratch.settings)
    return local


def test_walking_back_past_a_killed_apply_keeps_a_key_deleted_after_it(scratch: Scratch) -> None:
    history(scratch, kill=True)
    assert rollback(scratch) == []  # the killed bedrock apply: its pins go (the deleted one is gone already)
    assert rollback(scratch) == [f"/env/{PIN}"]  # local's: the pins come back, but not the one deleted
    env = read_json(scratch.settings)["env"]
    assert PIN not in env
    assert "ANTHROPIC_DEFAULT_OPUS_MODEL" in env


def test_rolling_back_a_set_before_a_killed_apply_keeps_a_key_deleted_after_it(scratch: Scratch) -> None:
    local = history(scratch, kill=True)
    assert rollback(scratch, local) == [f"/env/{PIN}"]  # local and the killed apply after it undone
    env = read_json(scratch.settings)["env"]
    assert PIN not in env
    assert "ANTHROPIC_DEFAULT_OPUS_MODEL" in env


def test_walking_back_keeps_a_key_deleted_after_the_newest_apply(scratch: Scratch) -> None:
    """No kill: the first rollback finds the deleted pin as it was before the apply it undoes; that
    is the user's doing, not the rollback's, so the next rollback does not put it back either."""
    history(scratch, kill=False)
    assert rollback(scratch) == []
    assert rollback(scratch) == [f"/env/{PIN}"]
    env = read_json(scratch.settings)["env"]
    assert PIN not in env
    assert "ANTHROPIC_DEFAULT_OPUS_MODEL" in env


def test_a_key_deleted_before_an_apply_restored_it_stays_deleted_as_rollbacks_walk_back(scratch: Scratch) -> None:
    """Found by the stateful test: the user deletes a key cbcfg set, the next apply restores it, and
    rolling that apply back removes it again (as the user had left it). The rollback before it must
    not take that removal for cbcfg's own write and put an older value back."""
    write(scratch.settings, '{\n  "env": {"FOO": "1"}\n}\n')
    url = ("--gateway-url", "https://bifrost.example.com")
    assert scratch.cbcfg("apply", "local", *url, "-t", "code", "--yes", key=KEY).exit_code == 0
    apply(scratch, "local")  # the base URL now localhost
    document = read_json(scratch.settings)
    del document["env"]["ANTHROPIC_BASE_URL"]
    scratch.settings.write_text(json.dumps(document, indent=2) + "\n")
    apply(scratch, "bedrock")  # restores the deleted base URL (localhost)
    assert rollback(scratch) == []  # bedrock's: the base URL goes again, as the user had left it
    assert "ANTHROPIC_BASE_URL" not in read_json(scratch.settings)["env"]
    assert rollback(scratch) == ["/env/ANTHROPIC_BASE_URL"]  # the second local apply's: left deleted
    assert "ANTHROPIC_BASE_URL" not in read_json(scratch.settings)["env"]


def test_rolling_back_an_apply_killed_before_it_wrote_keeps_a_key_deleted_since(scratch: Scratch) -> None:
    """Found by the stateful test: ``local`` killed before it replaced settings.json (it would have
    removed the pins), then the user deletes one pin. Rolling that set back took the deletion for
    the killed run's own removal and put the pin back."""
    write(scratch.settings, '{\n  "env": {"FOO": "1"}\n}\n')
    apply(scratch, "bedrock")
    kill = {"CBCFG_FAULT": "kill:temp-written:settings.json"}
    assert scratch.process("apply", "local", "-t", "code", "--yes", key=KEY, env=kill).code == 137
    delete_pin(scratch.settings)
    assert rollback(scratch) == []  # the killed set: it wrote nothing here, so nothing to undo
    env = read_json(scratch.settings)["env"]
    assert PIN not in env
    assert "ANTHROPIC_DEFAULT_OPUS_MODEL" in env
