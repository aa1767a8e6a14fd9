"""cbcfg explain [KEY]: which layer's value Claude Code will use, what it shadows, and where a higher
layer overrides what cbcfg wrote. Precedence, highest first: managed (drop-ins over the main file,
the last name winning) → project-local → project → user → the process environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import KEY, NON_BIFROST_KEY, OTHER_KEY, Result, Scratch, write

KEYS = [
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "ANTHROPIC_MODEL",
    "model",
    "apiKeyHelper",
]
URL = "http://localhost:8080/anthropic"


def explain(scratch: Scratch, *args: str, env: dict[str, str | None] | None = None) -> Result:
    """`cbcfg explain` on this scratch machine (never the real /etc)."""
    return scratch.cbcfg("explain", "--system-root", str(scratch.system_root), *args, env=env)


def settings(scratch: Scratch, *args: str, env: dict[str, str | None] | None = None) -> dict[str, dict[str, Any]]:
    result = explain(scratch, "--json", *args, env=env)
    assert result.exit_code == 0, result.output
    assert set(result.json) == {"command", "settings", "problems", "model", "credentials"}
    assert result.json["command"] == "explain"
    rows = {}
    for row in result.json["settings"]:
        assert set(row) == {"key", "value", "layer", "file", "set_by_cbcfg", "shadowed", "overrides_cbcfg"}
        for shadowed in row["shadowed"]:
            assert set(shadowed) == {"layer", "file", "value", "set_by_cbcfg"}
        rows[row["key"]] = row
    return rows


def settings_file(path: Path, **env: str) -> Path:
    return write(path, json.dumps({"env": env}))


def managed_path(scratch: Scratch) -> Path:
    return scratch.system_root / "etc" / "claude-code" / "managed-settings.json"


def test_a_fresh_home_sets_nothing_and_explain_writes_nothing(scratch: Scratch) -> None:
    before = scratch.tree()

    rows = settings(scratch)

    assert list(rows) == KEYS
    for row in rows.values():
        assert row == {
            "key": row["key"],
            "value": None,
            "layer": None,
            "file": None,
            "set_by_cbcfg": None,
            "shadowed": [],
            "overrides_cbcfg": False,
        }
    human = explain(scratch)
    assert human.exit_code == 0
    assert human.stdout.splitlines()[0].split() == ["KEY", "VALUE", "LAYER", "FILE"]
    assert human.stdout.splitlines()[1].split() == ["ANTHROPIC_BASE_URL", "-", "-", "-"]
    assert scratch.tree() == before


def test_after_apply_each_value_names_its_file_and_profile(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "bedrock", "-t", "code", "--yes", key=KEY).exit_code == 0

    rows = settings(scratch)

    base = rows["ANTHROPIC_BASE_URL"]
    assert (base["value"], base["layer"], base["file"], base["set_by_cbcfg"]) == (
        URL,
        "user",
        "~/.claude/settings.json",
        "bedrock",
    )
    assert rows["ANTHROPIC_API_KEY"]["value"] == f"sk-bf-…{KEY[-4:]}"
    assert rows["ANTHROPIC_DEFAULT_OPUS_MODEL"]["value"] == "bedrock/global.anthropic.claude-opus-4-6-v1"
    assert rows["model"]["value"] is None

    human = explain(scratch)
    line = next(line for line in human.stdout.splitlines() if line.startswith("ANTHROPIC_API_KEY "))
    assert line.split() == ["ANTHROPIC_API_KEY", f"sk-bf-…{KEY[-4:]}", "user", "~/.claude/settings.json"]


def test_one_key(scratch: Scratch) -> None:
    settings_file(scratch.settings, ANTHROPIC_BASE_URL=URL)

    rows = settings(scratch, "ANTHROPIC_BASE_URL")

    assert list(rows) == ["ANTHROPIC_BASE_URL"]
    human = explain(scratch, "model")
    assert human.stdout.splitlines()[1:] == ["model  -      -      -"]


def test_an_unknown_key_is_a_usage_error(scratch: Scratch) -> None:
    result = explain(scratch, "ANTHROPIC_BASE")

    assert result.exit_code == 2
    line = result.error_line()
    assert line.startswith("cbcfg: error: cbcfg does not explain 'ANTHROPIC_BASE'")
    assert "ANTHROPIC_BASE_URL" in line and "apiKeyHelper" in line
    assert result.stdout == ""


# Every layer, highest first, and the value each one sets for ANTHROPIC_BASE_URL.
LAYERS = ["managed-drop-in", "managed", "project-local", "project", "user", "environment"]


def _layer_files(scratch: Scratch) -> dict[str, Path]:
    managed = managed_path(scratch)
    return {
        "managed-drop-in": managed.parent / "managed-settings.d" / "50-team.json",
        "managed": managed,
        "project-local": scratch.project / ".claude" / "settings.local.json",
        "project": scratch.project / ".claude" / "settings.json",
        "user": scratch.settings,
    }


def _url(layer: str) -> str:
    return f"http://{layer}.example:8080/anthropic"


@pytest.mark.parametrize("winner", LAYERS)
def test_each_layer_wins_over_every_layer_below_it(scratch: Scratch, winner: str) -> None:
    files = _layer_files(scratch)
    below = LAYERS[LAYERS.index(winner) :]
    for layer in below:
        if layer in files:
            settings_file(files[layer], ANTHROPIC_BASE_URL=_url(layer))
    env: dict[str, str | None] | None = {"ANTHROPIC_BASE_URL": _url("environment")} if "environment" in below else None

    row = settings(scratch, "ANTHROPIC_BASE_URL", env=env)["ANTHROPIC_BASE_URL"]

    assert row["value"] == _url(winner)
    assert row["layer"] == ("managed" if winner == "managed-drop-in" else winner)
    expected_file = "process environment" if winner == "environment" else str(files[winner])
    if winner == "user":
        expected_file = "~/.claude/settings.json"
    assert row["file"] == expected_file
    assert [s["value"] for s in row["shadowed"]] == [_url(layer) for layer in below[1:]]
    assert row["overrides_cbcfg"] is False  # cbcfg wrote none of these


def test_drop_ins_apply_in_name_order_and_the_last_wins(scratch: Scratch) -> None:
    drop_ins = managed_path(scratch).parent / "managed-settings.d"
    settings_file(drop_ins / "10-base.json", ANTHROPIC_MODEL="base-model")
    settings_file(drop_ins / "90-team.json", ANTHROPIC_MODEL="team-model")
    settings_file(managed_path(scratch), ANTHROPIC_MODEL="main-model")

    row = settings(scratch, "ANTHROPIC_MODEL")["ANTHROPIC_MODEL"]

    assert (row["value"], row["file"]) == ("team-model", str(drop_ins / "90-team.json"))
    assert [s["value"] for s in row["shadowed"]] == ["base-model", "main-model"]


def test_a_higher_layer_overriding_what_cbcfg_wrote(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    local = scratch.project / ".claude" / "settings.local.json"
    settings_file(local, ANTHROPIC_BASE_URL="http://127.0.0.1:7777/anthropic", ANTHROPIC_API_KEY=OTHER_KEY)

    rows = settings(scratch)

    base = rows["ANTHROPIC_BASE_URL"]
    assert (base["layer"], base["set_by_cbcfg"], base["overrides_cbcfg"]) == ("project-local", None, True)
    assert base["shadowed"] == [
        {"layer": "user", "file": "~/.claude/settings.json", "value": URL, "set_by_cbcfg": "local"}
    ]
    api_key = rows["ANTHROPIC_API_KEY"]
    assert api_key["value"] == f"sk-bf-…{OTHER_KEY[-4:]}"
    assert api_key["shadowed"][0]["value"] == f"sk-bf-…{KEY[-4:]}"  # shadowed keys are masked too
    assert api_key["overrides_cbcfg"] is True

    human = explain(scratch).stdout
    assert f"ANTHROPIC_BASE_URL: user ~/.claude/settings.json = {URL} is shadowed (written by cbcfg, overridden)" in (
        human
    )
    assert (
        f"ANTHROPIC_API_KEY: user ~/.claude/settings.json = sk-bf-…{KEY[-4:]} is shadowed "
        "(written by cbcfg, overridden)" in human
    )


def test_the_same_value_above_is_shadowing_but_no_override(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    settings_file(scratch.project / ".claude" / "settings.json", ANTHROPIC_BASE_URL=URL)

    base = settings(scratch)["ANTHROPIC_BASE_URL"]

    assert base["layer"] == "project"
    assert base["shadowed"][0]["set_by_cbcfg"] == "local"
    assert base["overrides_cbcfg"] is False
    human = explain(scratch, "ANTHROPIC_BASE_URL").stdout
    assert f"ANTHROPIC_BASE_URL: user ~/.claude/settings.json = {URL} is shadowed\n" in human


def test_a_value_changed_by_hand_is_no_longer_cbcfgs(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    scratch.settings.write_text(scratch.settings.read_text("utf-8").replace("localhost", "127.0.0.1"), "utf-8")

    base = settings(scratch)["ANTHROPIC_BASE_URL"]

    assert base["value"] == "http://127.0.0.1:8080/anthropic"
    assert base["set_by_cbcfg"] is None


def test_secrets_are_masked_in_every_layer_and_form(scratch: Scratch) -> None:
    settings_file(managed_path(scratch), ANTHROPIC_AUTH_TOKEN=NON_BIFROST_KEY)
    settings_file(scratch.settings, ANTHROPIC_AUTH_TOKEN=KEY, ANTHROPIC_API_KEY=OTHER_KEY)

    rows = settings(scratch)

    assert rows["ANTHROPIC_AUTH_TOKEN"]["value"] == f"…{NON_BIFROST_KEY[-4:]}"
    assert rows["ANTHROPIC_AUTH_TOKEN"]["shadowed"][0]["value"] == f"sk-bf-…{KEY[-4:]}"
    assert rows["ANTHROPIC_API_KEY"]["value"] == f"sk-bf-…{OTHER_KEY[-4:]}"
    human = explain(scratch)
    assert f"…{NON_BIFROST_KEY[-4:]}" in human.stdout
    # and no 10 characters of any key anywhere: Scratch checks every run


def test_settings_keys_and_bracketed_values_are_shown_as_written(scratch: Scratch) -> None:
    write(scratch.settings, json.dumps({"model": "sonnet[1m]", "apiKeyHelper": "~/bin/bifrost-key [--team]"}))

    rows = settings(scratch)
    human = explain(scratch).stdout

    assert rows["model"]["value"] == "sonnet[1m]"
    assert rows["apiKeyHelper"]["value"] == "~/bin/bifrost-key [--team]"
    assert "sonnet[1m]" in human and "~/bin/bifrost-key [--team]" in human


def test_an_unreadable_layer_is_a_problem_not_a_crash(scratch: Scratch) -> None:
    settings_file(scratch.settings, ANTHROPIC_BASE_URL=URL)
    broken = write(scratch.project / ".claude" / "settings.json", '{"env": {')

    result = explain(scratch, "--json")

    assert result.exit_code == 0
    (problem,) = result.json["problems"]
    assert (problem["layer"], problem["file"]) == ("project", str(broken))
    assert problem["error"].startswith(f"{broken}: ")
    assert result.json["settings"][0]["value"] == URL  # the other layers still count
    human = explain(scratch).stdout
    assert f"cannot read the project layer: {broken}: " in human
    assert human.count(str(broken)) == 1


def test_an_override_by_a_key_with_the_same_last_4_characters_is_still_an_override(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "-t", "code", "--yes", key=KEY).exit_code == 0
    look_alike = "sk-bf-" + "0" * 28 + KEY[-4:]  # masked, both read sk-bf-…a6c7
    scratch.secrets.append(look_alike)
    settings_file(scratch.project / ".claude" / "settings.local.json", ANTHROPIC_API_KEY=look_alike)

    assert settings(scratch, "ANTHROPIC_API_KEY")["ANTHROPIC_API_KEY"]["overrides_cbcfg"] is True
    assert "is shadowed (written by cbcfg, overridden)" in explain(scratch, "ANTHROPIC_API_KEY").stdout


def test_drop_ins_are_read_as_the_client_reads_them(scratch: Scratch) -> None:
    """Claude Code skips drop-ins whose names start with a dot, that do not end in .json, or are folders."""
    drop_ins = managed_path(scratch).parent / "managed-settings.d"
    settings_file(drop_ins / "10-base.json", ANTHROPIC_MODEL="base-model")
    settings_file(drop_ins / ".99-hidden.json", ANTHROPIC_MODEL="hidden-model")
    settings_file(drop_ins / "99-notes.json.bak", ANTHROPIC_MODEL="backup-model")
    settings_file(drop_ins / "99-UPPER.JSON", ANTHROPIC_MODEL="upper-model")
    (drop_ins / "99-folder.json").mkdir()

    row = settings(scratch, "ANTHROPIC_MODEL")["ANTHROPIC_MODEL"]

    assert (row["value"], row["file"]) == ("base-model", str(drop_ins / "10-base.json"))
    assert row["shadowed"] == []
    assert explain(scratch, "--json").json["problems"] == []


def _explained(scratch: Scratch) -> dict[str, Any]:
    result = explain(scratch, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = result.json
    return data


def test_the_default_model_an_alias_resolves_to(scratch: Scratch) -> None:
    sonnet, haiku = "bedrock/global.anthropic.claude-sonnet-4-6", "bedrock/haiku"
    user = settings_file(
        scratch.home / ".claude" / "settings.json",
        ANTHROPIC_DEFAULT_SONNET_MODEL=sonnet,
        ANTHROPIC_DEFAULT_HAIKU_MODEL=haiku,
    )
    write(scratch.project / ".claude" / "settings.json", json.dumps({"model": "opus[1m]"}))

    model = _explained(scratch)["model"]

    assert model == {
        "key": "model",
        "value": "opus[1m]",
        "layer": "project",
        "file": str(scratch.project / ".claude" / "settings.json"),
        "alias": "opus",
        "sends": ["claude-opus-…"],
        "tiers": [{"tier": "opus", "variable": "ANTHROPIC_DEFAULT_OPUS_MODEL", "pinned": None}],
        "unpinned": ["opus"],
    }
    assert "default model: model = 'opus[1m]' (project " in explain(scratch).stdout
    assert user.exists()


def test_a_fresh_home_sends_claude_codes_default_and_no_credential(scratch: Scratch) -> None:
    data = _explained(scratch)

    assert data["model"]["key"] is None and data["model"]["sends"] == ["claude-opus-…"]
    assert data["credentials"] == {"sent": [], "bifrost_reads": None, "conflict": False}


def test_two_credentials_are_flagged_with_the_one_bifrost_reads(scratch: Scratch) -> None:
    settings_file(scratch.home / ".claude" / "settings.json", ANTHROPIC_API_KEY=KEY)
    settings_file(scratch.project / ".claude" / "settings.local.json", ANTHROPIC_AUTH_TOKEN=OTHER_KEY)

    credentials = _explained(scratch)["credentials"]

    assert credentials["conflict"] is True
    assert [(c["header"], c["source"], c["layer"], c["value"]) for c in credentials["sent"]] == [
        ("authorization", "ANTHROPIC_AUTH_TOKEN", "project-local", f"sk-bf-…{OTHER_KEY[-4:]}"),
        ("x-api-key", "ANTHROPIC_API_KEY", "user", f"sk-bf-…{KEY[-4:]}"),
    ]
    assert credentials["bifrost_reads"]["source"] == "ANTHROPIC_AUTH_TOKEN"
    human = explain(scratch).stdout
    assert "credentials: two are sent, ANTHROPIC_AUTH_TOKEN (project-local " in human
    assert f"Bifrost reads Authorization (Bearer) = sk-bf-…{OTHER_KEY[-4:]}" in human


def test_a_bifrost_header_in_custom_headers_is_read_first(scratch: Scratch) -> None:
    settings_file(
        scratch.home / ".claude" / "settings.json",
        ANTHROPIC_AUTH_TOKEN=KEY,
        ANTHROPIC_CUSTOM_HEADERS=f"x-trace: 1\nx-bf-vk: {OTHER_KEY}",
    )

    credentials = _explained(scratch)["credentials"]

    assert credentials["bifrost_reads"]["header"] == "x-bf-vk"
    assert credentials["bifrost_reads"]["value"] == f"sk-bf-…{OTHER_KEY[-4:]}"
    assert credentials["conflict"] is False  # x-bf-vk is not a second key header
