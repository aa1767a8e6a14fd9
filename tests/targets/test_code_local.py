"""code-local: <project>/.claude/settings.local.json, personal: may hold the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_bifrost_cfg.layout import Platform, Roots, resolve_layout
from claude_bifrost_cfg.targets import code_local
from tests.cli_helpers import KEY, PLATFORMS, Scratch, read_json
from tests.test_desired import rendered


@pytest.mark.parametrize("platform", PLATFORMS)
def test_path_on_every_platform(platform: str) -> None:
    layout = resolve_layout(Roots(Platform(platform), Path("/h"), Path("/p"), home_overridden=True), {})
    assert code_local.TARGET.path(layout) == Path("/p/.claude/settings.local.json")


def test_fragment_holds_the_key() -> None:
    fragment = code_local.TARGET.fragment(rendered("azure"))
    assert fragment.wanted["/env/ANTHROPIC_API_KEY"] == KEY and fragment.secret


def test_apply_uses_the_project_option(scratch: Scratch) -> None:
    other = scratch.root / "other-project"
    other.mkdir()
    result = scratch.cbcfg("apply", "local", "-t", "code-local", "--project", str(other), "--yes", key=KEY)
    assert result.exit_code == 0, result.output
    path = other / ".claude" / "settings.local.json"
    assert read_json(path)["env"]["ANTHROPIC_API_KEY"] == KEY
    assert path.stat().st_mode & 0o777 == 0o600
    assert not (scratch.project / ".claude").exists()
