"""desktop: claude_desktop_config.json, mcpServers.bifrost in the seed's url form or as a stdio bridge."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_bifrost_cfg.layout import Platform, Roots, resolve_layout
from claude_bifrost_cfg.targets import desktop
from tests.cli_helpers import KEY, Scratch, read_json, write
from tests.test_desired import rendered

PATHS = {
    "linux": "/h/.config/Claude/claude_desktop_config.json",
    "macos": "/h/Library/Application Support/Claude/claude_desktop_config.json",
    "windows": "/h/AppData/Roaming/Claude/claude_desktop_config.json",
}


@pytest.mark.parametrize(("platform", "path"), PATHS.items())
def test_path_on_every_platform(platform: str, path: str) -> None:
    layout = resolve_layout(Roots(Platform(platform), Path("/h"), Path("/p"), home_overridden=True), {})
    assert desktop.TARGET.path(layout) == Path(path)


def test_url_form_is_the_seeds() -> None:
    fragment = desktop.TARGET.fragment(rendered("local"))
    assert fragment.wanted == {
        "/mcpServers/bifrost": {"url": "http://localhost:8080/mcp", "headers": {"Authorization": f"Bearer {KEY}"}}
    }
    assert fragment.secret


def test_bridge_form_is_a_stdio_mcp_remote_entry() -> None:
    fragment = desktop.TARGET.fragment(rendered("local", form="bridge"))
    entry = fragment.wanted["/mcpServers/bifrost"]
    assert entry["command"] == "npx"
    assert entry["args"][:3] == ["-y", "mcp-remote@0.15", "http://localhost:8080/mcp"]  # pinned: issue 14
    assert entry["args"][3:] == ["--header", "Authorization:${AUTH_HEADER}"]
    assert entry["env"] == {"AUTH_HEADER": f"Bearer {KEY}"}
    assert KEY not in " ".join(entry["args"])  # not in the process list


def test_without_a_key_no_header_and_a_note() -> None:
    for form in ("url", "bridge"):
        fragment = desktop.TARGET.fragment(rendered("local", key=None, form=form))
        entry = fragment.wanted["/mcpServers/bifrost"]
        assert "headers" not in entry and "env" not in entry and "--header" not in entry.get("args", [])
        assert fragment.notes and not fragment.secret


def test_other_servers_are_kept(scratch: Scratch) -> None:
    before = (
        '{\n  "mcpServers": {\n    "files": {"command": "npx", "args": ["fs"]}\n  },\n'
        '  "globalShortcut": "Alt+Space"\n}\n'
    )
    write(scratch.desktop, before)
    assert scratch.cbcfg("apply", "local", "-t", "desktop", "--desktop-mcp", "url", "--yes", key=KEY).exit_code == 0
    after = scratch.desktop.read_bytes().decode()
    assert after.startswith('{\n  "mcpServers": {\n    "files": {"command": "npx", "args": ["fs"]},\n    "bifrost": {')
    assert after.endswith('  },\n  "globalShortcut": "Alt+Space"\n}\n')
    assert read_json(scratch.desktop)["mcpServers"]["bifrost"]["headers"] == {"Authorization": f"Bearer {KEY}"}


def test_switching_forms_replaces_the_entry(scratch: Scratch) -> None:
    assert scratch.cbcfg("apply", "local", "-t", "desktop", "--desktop-mcp", "url", "--yes", key=KEY).exit_code == 0
    url_form = scratch.desktop.read_bytes()
    assert scratch.cbcfg("apply", "local", "-t", "desktop", "--desktop-mcp", "bridge", "--yes", key=KEY).exit_code == 0
    assert read_json(scratch.desktop)["mcpServers"]["bifrost"]["command"] == "npx"
    assert scratch.cbcfg("apply", "local", "-t", "desktop", "--desktop-mcp", "url", "--yes", key=KEY).exit_code == 0
    assert scratch.desktop.read_bytes() == url_form


def test_an_unknown_form_is_a_usage_error(scratch: Scratch) -> None:
    result = scratch.cbcfg("apply", "local", "-t", "desktop", "--desktop-mcp", "sse", "--yes")
    assert result.exit_code == 2
    assert "--desktop-mcp" in result.error_line()
    assert not scratch.desktop.exists()
