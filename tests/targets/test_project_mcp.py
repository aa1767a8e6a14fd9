"""project-mcp: <project>/.mcp.json, committed: the key only as ${BIFROST_VIRTUAL_KEY}."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_bifrost_cfg.layout import Platform, Roots, resolve_layout
from claude_bifrost_cfg.targets import project_mcp
from tests.cli_helpers import KEY, PLATFORMS, SEED_ENV, Scratch, gateway_of, profile_args, read_json
from tests.test_desired import rendered


@pytest.mark.parametrize("platform", PLATFORMS)
def test_path_on_every_platform(platform: str) -> None:
    layout = resolve_layout(Roots(Platform(platform), Path("/h"), Path("/p"), home_overridden=True), {})
    assert project_mcp.TARGET.path(layout) == Path("/p/.mcp.json")


@pytest.mark.parametrize("key", [KEY, None])
def test_the_key_is_a_reference_whether_or_not_one_is_given(key: str | None) -> None:
    fragment = project_mcp.TARGET.fragment(rendered("local", key=key))
    assert fragment.wanted == {
        "/mcpServers/bifrost": {
            "type": "http",
            "url": "http://localhost:8080/mcp",
            "headers": {"Authorization": "Bearer ${BIFROST_VIRTUAL_KEY}"},
        }
    }
    assert not fragment.secret


@pytest.mark.parametrize("name", list(SEED_ENV))
def test_apply_never_writes_the_key(scratch: Scratch, name: str) -> None:
    result = scratch.cbcfg("apply", name, "-t", "project-mcp", "--yes", *profile_args(name), key=KEY)
    assert result.exit_code == 0, result.output
    path = scratch.project / ".mcp.json"
    assert KEY.encode() not in path.read_bytes()
    entry = read_json(path)["mcpServers"]["bifrost"]
    assert entry["url"] == gateway_of(name) + "/mcp"
    assert entry["headers"]["Authorization"] == "Bearer ${BIFROST_VIRTUAL_KEY}"
    assert "${BIFROST_VIRTUAL_KEY}" in result.output  # the reference is not mistaken for a key and masked
