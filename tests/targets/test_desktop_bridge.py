"""The Desktop bridge entry, started for real: the MCP SDK's stdio client runs the command cbcfg
wrote (``npx -y mcp-remote@0.15 <url> --header Authorization:${AUTH_HEADER}``, key in ``env``), with
the pinned mcp-remote from scripts/install-mcp-remote.sh instead of npx's download, and talks
through it to the loopback test gateway's ``/mcp``.

Claude Desktop itself does not run here: this proves the entry's command line, env and header
substitution work with the real bridge; not that a Desktop build loads the entry.
If node/npm or the package cannot be installed the test skips with the reason (with CI=true it fails).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import anyio
import pytest

from tests.cli_helpers import Scratch, read_json
from tests.support.gateway import DEFAULT_KEY, Gateway

REPO = Path(__file__).resolve().parents[2]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"desktop bridge (CI=true): {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def mcp_remote() -> Path:
    """The pinned mcp-remote's proxy script (installed once into .cache/mcp-remote/)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        _unavailable("node and npm are not installed: the bridge cannot run (install Node.js 18+)")
    done = subprocess.run(
        [str(REPO / "scripts" / "install-mcp-remote.sh")], capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        _unavailable(f"scripts/install-mcp-remote.sh failed: {done.stderr.strip().splitlines()[-1:]}")
    return Path(done.stdout.strip())


async def _tools_through(command: str, args: list[str], env: dict[str, str]) -> tuple[str, list[str]]:
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=command, args=args, env=env)
    with anyio.fail_after(60):
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            initialized = await session.initialize()
            tools = await session.list_tools()
    return initialized.server_info.name, [tool.name for tool in tools.tools]


def test_the_bridge_entry_reaches_the_gateway_with_the_key_from_env(
    scratch: Scratch, gateway: Gateway, mcp_remote: Path
) -> None:
    result = scratch.cbcfg("apply", "local", "-t", "desktop", "--gateway-url", gateway.url, "--yes", key=DEFAULT_KEY)
    assert result.exit_code == 0, result.output
    entry = read_json(scratch.desktop)["mcpServers"]["bifrost"]
    assert entry["command"] == "npx"
    assert entry["args"][:2] == ["-y", "mcp-remote@0.15"]
    assert DEFAULT_KEY not in " ".join(entry["args"])  # the key is only in env

    # What Desktop would run, with the pinned package in place of npx's download.
    bridge_home = scratch.root / "bridge-home"  # mcp-remote keeps ~/.mcp-auth here
    bridge_home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(bridge_home), **entry["env"]}
    server, tools = anyio.run(_tools_through, "node", [str(mcp_remote), *entry["args"][2:]], env)

    assert tools  # the gateway's tools, listed through the bridge
    seen = gateway.requests_to("/mcp")
    assert seen and all(request.virtual_key == DEFAULT_KEY for request in seen)
    assert "initialize" in gateway.mcp_methods() and "tools/list" in gateway.mcp_methods()
    assert server


def test_without_the_key_the_gateway_refuses_the_bridge(scratch: Scratch, gateway: Gateway, mcp_remote: Path) -> None:
    result = scratch.cbcfg("apply", "local", "-t", "desktop", "--gateway-url", gateway.url, "--yes")
    assert result.exit_code == 0, result.output
    entry = read_json(scratch.desktop)["mcpServers"]["bifrost"]
    assert "env" not in entry
    bridge_home = scratch.root / "bridge-home"
    bridge_home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(bridge_home)}
    with pytest.raises(Exception):  # noqa: B017 - the bridge gives up; how it says so is its own
        anyio.run(_tools_through, "node", [str(mcp_remote), *entry["args"][2:]], env)
    assert gateway.requests_to("/mcp")  # it did try, and got 401
