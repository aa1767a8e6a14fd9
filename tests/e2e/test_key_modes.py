"""Key modes with the real client (issue 15): for `key`, `helper` and `header`, Claude Code reaches
the loopback gateway with the right header and key, and a scan of every file under the scratch
home and system root finds the key only where that mode keeps it.

The user (`nobody`) has no session bus here, so `helper` uses the fallback store: one 0600 file of
the user's in cbcfg's state folder. The OS keyring itself is proven in tests/test_keystore.py and
tests/commands/test_key.py against a real Secret Service."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import KEY_A, KEY_B, Scenario, key_headers, read_json

pytestmark = pytest.mark.e2e

KEY_FILE = ".local/state/cbcfg/keys/local.key"
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def helper_env(scenario: Scenario) -> dict[str, str]:
    """A helper program the user can run. The suite's interpreter may sit where the user cannot
    reach it (pyenv under /root, which only the harness's setpriv gets through): the helper is then
    named through CBCFG_KEY_HELPER, as an admin provisioning another user's home would."""
    python = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
    launcher = scenario.system_root / "usr" / "local" / "bin" / "cbcfg-key-helper"
    launcher.parent.mkdir(parents=True, exist_ok=True)
    launcher.write_text(
        f"#!{python}\nimport sys\nsys.path.insert(0, {str(SRC)!r})\n"
        "from claude_bifrost_cfg.key_helper import main\nsys.exit(main())\n"
    )
    launcher.chmod(0o755)
    for folder in (launcher.parent, launcher.parent.parent, launcher.parent.parent.parent):
        folder.chmod(0o755)
    return {"CBCFG_KEY_HELPER": str(launcher)}


def apply_helper(scenario: Scenario, env: dict[str, str], key: str | None) -> None:
    """`cbcfg apply local --target code --key-mode helper` as the user, with the helper program named."""
    args = ["apply", "local", "--yes", "--json", *scenario.roots(), "--gateway-url", scenario.gateway.url]
    scenario.cbcfg(*args, "--target", "code", "--key-mode", "helper", key=key, env=env)


def where_is(scenario: Scenario, key: str) -> set[str]:
    """Every file under the scratch home and system root that holds ``key``, relative to its root."""
    found = set()
    for root in (scenario.home, scenario.system_root):
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                if path.is_file() and not path.is_symlink() and key.encode() in path.read_bytes():
                    found.add(path.relative_to(root).as_posix())
    return found


def test_key_mode_sends_the_key_from_settings(scenario: Scenario) -> None:
    scenario.apply("local", "code", key=KEY_A, extra=["--key-mode", "key"])
    turn = scenario.ask()
    assert turn.gateway is scenario.gateway
    assert key_headers(turn.request) == {"x-api-key": KEY_A}
    assert where_is(scenario, KEY_A) == {".claude/settings.json"}  # and none of the client's own files


def test_helper_mode_sends_the_key_from_the_store_and_leaves_it_nowhere_else(
    scenario: Scenario, helper_env: dict[str, str]
) -> None:
    scenario.apply("local", "code", key=KEY_A)  # first in key mode: the key is in settings.json
    apply_helper(scenario, helper_env, key=None)  # the key in place migrates

    turn = scenario.ask()
    assert turn.gateway is scenario.gateway
    # apiKeyHelper's output goes out as both headers; Bifrost reads the Bearer one.
    assert key_headers(turn.request) == {"x-api-key": KEY_A, "authorization": f"Bearer {KEY_A}"}
    assert where_is(scenario, KEY_A) == {KEY_FILE}  # not settings.json, not a backup, not the client's files
    info = (scenario.home / KEY_FILE).stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert info.st_uid == (scenario.account.uid if scenario.account else os.getuid())
    settings = read_json(scenario.home / ".claude" / "settings.json")
    assert "ANTHROPIC_API_KEY" not in settings["env"] and settings["apiKeyHelper"]


def test_a_rotated_key_reaches_the_client_with_no_apply(scenario: Scenario, helper_env: dict[str, str]) -> None:
    apply_helper(scenario, helper_env, key=KEY_A)
    assert key_headers(scenario.ask().request)["authorization"] == f"Bearer {KEY_A}"

    scenario.cbcfg("key", "set", "--home", str(scenario.home), stdin=KEY_B + "\n")

    turn = scenario.ask()  # a new session runs the helper at start
    assert key_headers(turn.request) == {"x-api-key": KEY_B, "authorization": f"Bearer {KEY_B}"}
    assert where_is(scenario, KEY_A) == set()
    assert where_is(scenario, KEY_B) == {KEY_FILE}


def test_header_mode_sends_x_bf_vk_beside_the_users_own_credential(scenario: Scenario) -> None:
    """Header mode is for users who keep their own Claude credential in Authorization: without
    one, the client refuses to start ("Not logged in", observed). Here the user's own token is in
    the shell; Bifrost reads x-bf-vk first, and the gateway accepts the request on it."""
    scenario.apply("local", "code", key=KEY_A, extra=["--key-mode", "header"])
    own = "users-own-claude-credential-0001"
    turn = scenario.ask(env={"ANTHROPIC_AUTH_TOKEN": own})
    assert turn.gateway is scenario.gateway
    assert key_headers(turn.request) == {"x-bf-vk": KEY_A, "authorization": f"Bearer {own}"}
    assert where_is(scenario, KEY_A) == {".claude/settings.json"}


def test_header_mode_alone_is_not_logged_in(scenario: Scenario) -> None:
    """The first-run trap of header mode, as the client shows it: doctor warns about it."""
    scenario.apply("local", "code", key=KEY_A, extra=["--key-mode", "header"])
    result = scenario.client().prompt(cwd=scenario.elsewhere)
    assert result.returncode != 0 and "Not logged in" in result.stdout
    report = scenario.cbcfg("doctor", "--no-network", "--json", *scenario.roots(), check=False)
    assert "header mode sends x-bf-vk, but Claude Code has no credential of its own" in report.stdout
