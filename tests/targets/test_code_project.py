"""code-project: <project>/.claude/settings.json, committed: never the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_bifrost_cfg.layout import Platform, Roots, resolve_layout
from claude_bifrost_cfg.targets import code_project
from tests.cli_helpers import KEY, PLATFORMS, SEED_ENV, Scratch, expected_env, profile_args, read_json
from tests.test_desired import rendered


@pytest.mark.parametrize("platform", PLATFORMS)
def test_path_on_every_platform(platform: str) -> None:
    layout = resolve_layout(Roots(Platform(platform), Path("/h"), Path("/p"), home_overridden=True), {})
    assert code_project.TARGET.path(layout) == Path("/p/.claude/settings.json")


@pytest.mark.parametrize("name", list(SEED_ENV))
def test_the_key_is_never_in_the_fragment(name: str) -> None:
    fragment = code_project.TARGET.fragment(rendered(name))
    assert KEY not in repr(fragment.wanted)
    assert not fragment.secret
    assert any("left out" in note for note in fragment.notes)


@pytest.mark.parametrize("name", list(SEED_ENV))
def test_apply_writes_the_env_block_without_the_key(scratch: Scratch, name: str) -> None:
    result = scratch.cbcfg("apply", name, "-t", "code-project", "--yes", *profile_args(name), key=KEY)
    assert result.exit_code == 0, result.output
    path = scratch.project / ".claude" / "settings.json"
    env = read_json(path)["env"]
    assert env == expected_env(name, env, with_key=False)
    assert KEY.encode() not in path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o644  # no key: an ordinary, shareable file
