"""``cbcfg profile new|set|unset|edit|rm``: the real CLI on real files in a scratch home."""

from __future__ import annotations

import os
import pty
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from claude_bifrost_cfg.model_list import by_provider
from tests.cli_helpers import KEY, Scratch, write
from tests.support.gateway import DEFAULT_MODELS, Gateway

# A profile as a person writes it: comments everywhere, blank lines, an odd order, inline comments.
HANDWRITTEN = """\
# Our team's Bifrost.   Two spaces after the dot, on purpose.
extends = "bedrock"      # nearest wins
description = "Team"

# --- the gateway ---
[gateway]
url = "https://bifrost.internal.example.org"   # prod
require_key = true


[models]
# pinned for the audit
sonnet = "bedrock/global.anthropic.claude-sonnet-4-6"  # s
opus = "bedrock/global.anthropic.claude-opus-4-6-v1"

[env]
CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1"  # keep quiet
"""


def profiles_dir(scratch: Scratch) -> Path:
    return scratch.home / ".config" / "cbcfg" / "profiles"


def team(scratch: Scratch) -> Path:
    write(profiles_dir(scratch) / "other.toml", 'extends = "team"\n')
    return write(profiles_dir(scratch) / "team.toml", HANDWRITTEN)


def loaded(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text("utf-8"))


# --- new -------------------------------------------------------------------------------------------


def test_new_writes_a_commented_profile_that_applies(scratch: Scratch) -> None:
    result = scratch.cbcfg(
        "profile",
        "new",
        "team",
        "--extends",
        "bedrock",
        "--gateway-url",
        "https://bifrost.internal.example.org",
        "--model",
        "opus=bedrock/global.anthropic.claude-opus-4-6-v1",
        "--model",
        "haiku=bedrock/h",
        "-t",
        "code",
        "-t",
        "code-mcp",
        "--description",
        "Our team",
    )
    assert result.exit_code == 0, result.output
    path = profiles_dir(scratch) / "team.toml"
    text = path.read_text("utf-8")
    assert text.startswith("# cbcfg profile")
    assert loaded(path) == {
        "description": "Our team",
        "extends": "bedrock",
        "targets": ["code", "code-mcp"],
        "gateway": {"url": "https://bifrost.internal.example.org"},
        "models": {"opus": "bedrock/global.anthropic.claude-opus-4-6-v1", "haiku": "bedrock/h"},
        "env": {},
    }
    shown = scratch.cbcfg("show", "team", "--json", key=KEY).json
    assert shown["gateway_url"] == "https://bifrost.internal.example.org"
    assert shown["models"]["sonnet"] == "bedrock/global.anthropic.claude-sonnet-4-6"  # from bedrock
    assert shown["models"]["haiku"] == "bedrock/h"
    listed = {p["name"]: p for p in scratch.cbcfg("profiles", "--json").json["profiles"]}
    assert listed["team"]["source"] == "user" and listed["team"]["error"] is None


def test_new_json_and_profiles_dir_wins(scratch: Scratch, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    result = scratch.cbcfg("profile", "new", "solo", "--profiles-dir", str(folder), "--json")
    assert result.exit_code == 0, result.output
    assert result.json == {
        "command": "profile new",
        "profile": "solo",
        "path": str(folder / "solo.toml"),
        "shadows": None,
    }
    assert (folder / "solo.toml").is_file()
    assert not profiles_dir(scratch).exists()
    assert loaded(folder / "solo.toml")["gateway"] == {"url": "http://localhost:8080"}


def test_new_shadowing_a_bundled_profile_says_so(scratch: Scratch) -> None:
    result = scratch.cbcfg("profile", "new", "local", "--extends", "local", "--json")
    assert result.exit_code == 0, result.output
    assert result.json["shadows"] == "bundled"
    assert scratch.cbcfg("show", "local", "--json").json["source"] == "user"


@pytest.mark.parametrize("name", ["../evil", "a/b", "..", "Team", ".hidden", "a\\b"])
def test_new_refuses_a_name_that_is_not_a_profile_name(scratch: Scratch, name: str) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("profile", "new", name)
    assert result.exit_code == 4
    assert "is not a profile name" in result.error_line()
    assert scratch.tree() == before


def test_new_refuses_a_name_that_exists(scratch: Scratch) -> None:
    path = team(scratch)
    result = scratch.cbcfg("profile", "new", "team", "--model", "opus=x/y")
    assert result.exit_code == 5
    assert "profile 'team' exists" in result.error_line()
    assert path.read_text("utf-8") == HANDWRITTEN


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--model", "opus"], 2, "is not TIER=ID"),
        (["--model", "turbo=x/y"], 2, "is not TIER=ID"),
        (["--model", "opus=has space"], 4, "models.opus"),
        (["--extends", "nowhere"], 4, "no profile named 'nowhere'"),
        (["-t", "laptop"], 4, "unknown target 'laptop'"),
        (["--gateway-url", "http://localhost:8080/anthropic"], 4, "without /anthropic"),
        (["--description", KEY], 4, "holds a Bifrost virtual key"),
    ],
)
def test_new_refuses_bad_settings_and_writes_nothing(
    scratch: Scratch, args: list[str], code: int, message: str
) -> None:
    before = scratch.tree()
    result = scratch.cbcfg("profile", "new", "team", *args)
    assert result.exit_code == code, result.output
    assert message in result.error_line()
    assert scratch.tree() == before


def test_models_from_gateway_needs_a_terminal(scratch: Scratch) -> None:
    result = scratch.cbcfg("profile", "new", "team", "--models-from", "gateway")
    assert result.exit_code == 5
    assert "asks on a terminal" in result.error_line()
    assert not profiles_dir(scratch).exists()


def test_models_from_gateway_asks_tier_by_tier_on_a_terminal(scratch: Scratch, gateway: Gateway) -> None:
    gateway.keys.add(KEY)
    ids = [model for group in by_provider(DEFAULT_MODELS).values() for model in group]  # as offered
    answers = f"{ids.index('bedrock/global.anthropic.claude-sonnet-4-6') + 1}\n\n"  # sonnet; opus: not pinned
    controller, terminal = pty.openpty()
    try:
        os.write(controller, answers.encode())
        result = scratch.process(
            "profile",
            "new",
            "picked",
            "--gateway-url",
            gateway.url,
            "--model",
            "haiku=bedrock/h",
            "--models-from",
            "gateway",
            key=KEY,
            stdin_file=terminal,
        )
    finally:
        os.close(controller)
        os.close(terminal)
    assert result.exit_code == 0, result.output
    assert "bedrock/global.anthropic.claude-sonnet-4-6" in result.stderr  # the list offered
    assert loaded(profiles_dir(scratch) / "picked.toml")["models"] == {
        "sonnet": "bedrock/global.anthropic.claude-sonnet-4-6",
        "haiku": "bedrock/h",
    }


# --- set / unset: every other byte kept -------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "old_line", "new_line"),
    [
        ("models.opus", "bedrock/o2", 'opus = "bedrock/global.anthropic.claude-opus-4-6-v1"', 'opus = "bedrock/o2"'),
        (
            "models.sonnet",
            "bedrock/s2",
            'sonnet = "bedrock/global.anthropic.claude-sonnet-4-6"  # s',
            'sonnet = "bedrock/s2"  # s',
        ),
        (
            "gateway.url",
            "https://other.example.org",
            'url = "https://bifrost.internal.example.org"   # prod',
            'url = "https://other.example.org"   # prod',
        ),
        ("gateway.require_key", "false", "require_key = true", "require_key = false"),
        (
            "env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
            "0",
            'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1"  # keep quiet',
            'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "0"  # keep quiet',
        ),
        ("description", "Team EU", 'description = "Team"', 'description = "Team EU"'),
    ],
)
def test_set_changes_that_value_and_not_one_other_byte(
    scratch: Scratch, key: str, value: str, old_line: str, new_line: str
) -> None:
    path = team(scratch)
    result = scratch.cbcfg("profile", "set", "team", key, value)
    assert result.exit_code == 0, result.output
    assert HANDWRITTEN.count(old_line) == 1
    assert path.read_text("utf-8") == HANDWRITTEN.replace(old_line, new_line)


def test_set_adds_a_key_at_the_end_of_its_table(scratch: Scratch) -> None:
    path = team(scratch)
    result = scratch.cbcfg("profile", "set", "team", "models.haiku", "bedrock/h", "--json")
    assert result.exit_code == 0, result.output
    assert result.json == {
        "command": "profile set",
        "profile": "team",
        "path": str(path),
        "key": "models.haiku",
        "value": "bedrock/h",
        "changed": True,
    }
    anchor = 'opus = "bedrock/global.anthropic.claude-opus-4-6-v1"\n'
    assert path.read_text("utf-8") == HANDWRITTEN.replace(anchor, anchor + 'haiku = "bedrock/h"\n')


def test_set_creates_a_missing_table_after_the_rest(scratch: Scratch) -> None:
    path = team(scratch)
    assert scratch.cbcfg("profile", "set", "team", "mcp.enabled", "false").exit_code == 0
    text = path.read_text("utf-8")
    assert text.startswith(HANDWRITTEN)
    assert loaded(path)["mcp"] == {"enabled": False}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("targets", "code,code-mcp", ["code", "code-mcp"]),
        ("targets", '["code", "desktop"]', ["code", "desktop"]),
        ("mcp.enabled", "TRUE", True),
        ("settings.includeCoAuthoredBy", "false", False),
        ("settings.cleanupPeriodDays", "30", 30),
        ("settings.permissions.allow", '["Bash(ls)"]', ["Bash(ls)"]),
        ("settings.outputStyle", "Explanatory", "Explanatory"),
    ],
)
def test_set_parses_the_value_as_the_field_needs(scratch: Scratch, key: str, value: str, expected: object) -> None:
    path = team(scratch)
    result = scratch.cbcfg("profile", "set", "team", key, value)
    assert result.exit_code == 0, result.output
    data: object = loaded(path)
    for part in key.split("."):
        assert isinstance(data, dict)
        data = data[part]
    assert data == expected


def test_set_the_same_value_writes_nothing(scratch: Scratch) -> None:
    team(scratch)
    before = scratch.tree()
    result = scratch.cbcfg("profile", "set", "team", "description", "Team", "--json")
    assert result.exit_code == 0
    assert result.json["changed"] is False
    assert scratch.tree() == before


def test_unset_removes_that_line_only(scratch: Scratch) -> None:
    path = team(scratch)
    result = scratch.cbcfg("profile", "unset", "team", "models.opus", "--json")
    assert result.exit_code == 0, result.output
    assert result.json["changed"] is True
    assert path.read_text("utf-8") == HANDWRITTEN.replace('opus = "bedrock/global.anthropic.claude-opus-4-6-v1"\n', "")
    # what it extends decides now
    shown = scratch.cbcfg("show", "team", "--json", key=KEY).json
    assert shown["models"]["opus"] == "bedrock/global.anthropic.claude-opus-4-6-v1"


def test_unset_a_key_not_set_writes_nothing(scratch: Scratch) -> None:
    team(scratch)
    before = scratch.tree()
    result = scratch.cbcfg("profile", "unset", "team", "models.haiku")
    assert result.exit_code == 0
    assert "not set" in result.stdout
    assert scratch.tree() == before


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["set", "team", "models.turbo", "x"], 2, "a profile has no key 'models.turbo'"),
        (["set", "team", "colour", "x"], 2, "a profile has no key 'colour'"),
        (["set", "team", "gateway", "x"], 2, "a profile has no key 'gateway'"),
        (["set", "team", "env.A.B", "x"], 2, "a profile has no key 'env.A.B'"),
        (["unset", "team", "nope.x"], 2, "a profile has no key 'nope.x'"),
        (["set", "team", "mcp.enabled", "yes"], 2, "mcp.enabled takes true or false, not 'yes'"),
        (["set", "team", "targets", "[1, 2]"], 2, "targets takes a list of names"),
        (["set", "team", "targets", "code,,desktop"], 2, "targets takes a list of names"),
        (["set", "team", "targets", "code,laptop"], 4, "unknown target 'laptop'"),
        (["set", "team", "gateway.url", "ftp://x"], 4, "gateway.url"),
        (["set", "team", "gateway.key_env", "MY_KEY"], 4, "gateway.key_env"),
        (["set", "team", "env.ANTHROPIC_API_KEY", "x"], 4, "profiles never hold keys"),
        (["set", "team", "env.ANTHROPIC_BASE_URL", "x"], 4, "profiles never hold keys"),
        (["set", "team", "env.MY_TOKEN", KEY], 4, "holds a Bifrost virtual key"),
        (["set", "team", "mcp.enabled", KEY], 2, "mcp.enabled takes true or false, not 'sk-bf-…"),
        (["set", "team", "gateway.url", KEY], 4, "gateway.url"),
        (["set", "team", "targets", KEY], 4, "unknown target 'sk-bf-…"),
        (["set", "team", "settings.apiKeyHelper", "x"], 4, "apiKeyHelper"),
        (["set", "team", "settings.headers.x", f"Bearer {KEY}"], 4, "holds a Bifrost virtual key"),
        (["set", "team", "extends", "team"], 4, "no profile named 'team'"),
        (["set", "team", "extends", "nowhere"], 4, "no profile named 'nowhere'"),
        (["set", "team", "extends", "other"], 4, "extends: cycle team -> other -> team"),
        (["set", "ghost", "description", "x"], 4, "no profile named 'ghost'"),
        (["set", "bedrock", "description", "x"], 5, "is bundled with cbcfg"),
        (["unset", "bedrock", "models.opus"], 5, "is bundled with cbcfg"),
        (["set", "../team", "description", "x"], 4, "is not a profile name"),
    ],
)
def test_bad_set_and_unset_are_one_line_and_write_nothing(
    scratch: Scratch, args: list[str], code: int, message: str
) -> None:
    team(scratch)
    before = scratch.tree()
    result = scratch.cbcfg("profile", *args)
    assert result.exit_code == code, result.output
    assert message in result.error_line()
    assert scratch.tree() == before


def test_set_on_a_profile_that_no_longer_loads_says_which_line(scratch: Scratch) -> None:
    path = write(profiles_dir(scratch) / "team.toml", HANDWRITTEN + "[mcp]\nenabled = 3\n")
    result = scratch.cbcfg("profile", "set", "team", "description", "x")
    assert result.exit_code == 4
    assert "mcp.enabled" in result.error_line()
    assert path.read_text("utf-8").endswith("enabled = 3\n")


# --- edit ------------------------------------------------------------------------------------------


def editor(tmp_path: Path, body: str) -> str:
    """An $EDITOR: a small Python script run on the copy's path."""
    script = tmp_path / "editor.py"
    script.write_text("import sys\npath = sys.argv[1]\n" + body, encoding="utf-8")
    return f"{sys.executable} {script}"


def test_edit_installs_a_valid_copy(scratch: Scratch, tmp_path: Path) -> None:
    path = team(scratch)
    body = "text = open(path).read()\nopen(path, 'w').write(text.replace('Team', 'Team EU'))\n"
    result = scratch.cbcfg("profile", "edit", "team", "--json", env={"EDITOR": editor(tmp_path, body)})
    assert result.exit_code == 0, result.output
    assert result.json == {"command": "profile edit", "profile": "team", "path": str(path), "changed": True}
    assert path.read_text("utf-8") == HANDWRITTEN.replace('"Team"', '"Team EU"')


def test_edit_prefers_visual(scratch: Scratch, tmp_path: Path) -> None:
    path = team(scratch)
    visual = editor(tmp_path, "open(path, 'a').write('# visual\\n')\n")
    result = scratch.cbcfg("profile", "edit", "team", env={"VISUAL": visual, "EDITOR": "false"})
    assert result.exit_code == 0, result.output
    assert path.read_text("utf-8") == HANDWRITTEN + "# visual\n"


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ("open(path, 'w').write('[gateway\\n')\n", 4, "invalid TOML"),
        ("open(path, 'a').write('[mcp]\\nenabled = \"no\"\\n')\n", 4, "mcp.enabled"),
        (f"open(path, 'a').write('[settings]\\nMY = \"{KEY}\"\\n')\n", 4, "holds a Bifrost virtual key"),
        ("open(path, 'w').write('x = 1\\n')\nraise SystemExit(3)\n", 5, "the editor exited with 3"),
        ("open(path, 'wb').write(b'description = \"\\xff\"\\n')\n", 5, "not UTF-8"),
    ],
    ids=["invalid-toml", "invalid-profile", "a-key", "editor-fails", "not-utf8"],
)
def test_edit_keeps_the_old_file_when_the_copy_is_not_a_profile(
    scratch: Scratch, tmp_path: Path, body: str, code: int, message: str
) -> None:
    team(scratch)
    command = editor(tmp_path, body)
    before = scratch.tree()
    result = scratch.cbcfg("profile", "edit", "team", env={"EDITOR": command, "VISUAL": None})
    assert result.exit_code == code, result.output
    line = result.error_line()
    assert message in line
    assert scratch.tree() == before


def test_edit_without_an_editor(scratch: Scratch) -> None:
    team(scratch)
    result = scratch.cbcfg("profile", "edit", "team", env={"EDITOR": None, "VISUAL": None})
    assert result.exit_code == 5
    assert "no editor" in result.error_line()


def test_edit_refuses_a_bundled_profile(scratch: Scratch, tmp_path: Path) -> None:
    result = scratch.cbcfg("profile", "edit", "local", env={"EDITOR": editor(tmp_path, "")})
    assert result.exit_code == 5
    assert "is bundled" in result.error_line()


# --- rm --------------------------------------------------------------------------------------------


def test_rm_removes_your_profile(scratch: Scratch) -> None:
    path = team(scratch)
    result = scratch.cbcfg("profile", "rm", "team", "--json")
    assert result.exit_code == 0, result.output
    assert result.json == {"command": "profile rm", "profile": "team", "path": str(path), "now_in_effect": None}
    assert not path.exists()
    assert "team" not in {p["name"] for p in scratch.cbcfg("profiles", "--json").json["profiles"]}


def test_rm_of_a_shadowing_profile_says_what_is_in_effect_now(scratch: Scratch) -> None:
    write(profiles_dir(scratch) / "local.toml", 'extends = "local"\ndescription = "mine"\n')
    result = scratch.cbcfg("profile", "rm", "local")
    assert result.exit_code == 0, result.output
    assert "shadowed the bundled profile 'local', now in effect" in result.stdout
    assert scratch.cbcfg("show", "local", "--json").json["source"] == "bundled"


@pytest.mark.parametrize(("name", "code"), [("local", 5), ("ghost", 4), ("../x", 4)])
def test_rm_refusals(scratch: Scratch, name: str, code: int) -> None:
    team(scratch)
    before = scratch.tree()
    result = scratch.cbcfg("profile", "rm", name)
    assert result.exit_code == code
    result.error_line()
    assert scratch.tree() == before


# --- writes are atomic ---------------------------------------------------------------------------


def test_set_replaces_the_file_in_one_rename(scratch: Scratch) -> None:
    """The file is replaced, not rewritten in place: a reader never sees half a profile."""
    path = team(scratch)
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    assert scratch.cbcfg("profile", "set", "team", "models.opus", "x/y").exit_code == 0
    assert path.stat().st_ino != inode
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["other.toml", "team.toml"]  # no temp file left


def test_a_read_only_folder_is_one_line(scratch: Scratch) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    path = team(scratch)
    os.chmod(path.parent, 0o555)
    try:
        result = scratch.cbcfg("profile", "set", "team", "models.opus", "x/y")
        assert result.exit_code == 7
        result.error_line()
        assert path.read_text("utf-8") == HANDWRITTEN
    finally:
        os.chmod(path.parent, 0o755)


def test_profile_alone_prints_its_help_and_succeeds(scratch: Scratch) -> None:
    result = scratch.cbcfg("profile")
    assert result.exit_code == 0
    for name in ("new", "set", "unset", "edit", "rm"):
        assert f"  {name} " in result.stdout
