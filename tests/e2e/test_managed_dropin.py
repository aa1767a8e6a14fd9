"""cbcfg's managed drop-in as the client reads it: written as root into a scratch /etc/claude-code
beside an organisation's own managed-settings.json, read by the client running as the user, and
winning over the base file's conflicting value (drop-ins merge after it; later wins)."""

from __future__ import annotations

import json
import stat

import pytest

from tests.e2e.harness import KEY_A, KEY_B, Scenario, key_headers, read_json

pytestmark = pytest.mark.e2e


def test_the_users_client_reads_cbcfgs_drop_in_over_the_org_file(scenario: Scenario) -> None:
    if not scenario.isolation.mnt:
        pytest.skip(f"cannot show a scratch /etc/claude-code to the client alone: {scenario.isolation.reason}")
    scenario.managed_dir.mkdir(parents=True)
    scenario.managed_dir.chmod(0o755)
    org = scenario.managed_dir / "managed-settings.json"
    org_text = json.dumps(
        {
            "env": {"ANTHROPIC_BASE_URL": scenario.gateway.anthropic_url, "ANTHROPIC_API_KEY": KEY_A},
            "permissions": {"deny": ["Bash(curl:*)"]},
        },
        indent=2,
    )
    org.write_text(org_text + "\n", encoding="utf-8")
    org.chmod(0o644)
    before = org.stat()

    args = ["apply", "local", "--yes", "--json", *scenario.roots(as_root=True), "--target", "managed-dropin"]
    report = json.loads(scenario.cbcfg(*args, "--gateway-url", scenario.other.url, key=KEY_B, as_root=True).stdout)

    drop_in = scenario.managed_dir / "managed-settings.d" / "50-cbcfg.json"
    assert [f["path"] for f in report["files"]] == [str(drop_in)]
    assert drop_in.stat().st_uid == 0 and stat.S_IMODE(drop_in.stat().st_mode) == 0o644
    # The organisation's file: every byte, its mode, its owner and its mtime as they were.
    after = org.stat()
    assert org.read_text("utf-8") == org_text + "\n"
    assert (after.st_mode, after.st_uid, after.st_mtime_ns) == (before.st_mode, before.st_uid, before.st_mtime_ns)
    assert json.loads(scenario.as_user(["cat", str(drop_in)]).stdout) == read_json(drop_in)  # the user can read it

    turn = scenario.ask(managed=True)

    assert turn.gateway is scenario.other  # the drop-in's ANTHROPIC_BASE_URL beat the base file's
    assert key_headers(turn.request) == {"x-api-key": KEY_B}

    # explain, run as the user, names the layer the client used.
    report = json.loads(scenario.cbcfg("explain", "ANTHROPIC_BASE_URL", "--json", *scenario.roots()).stdout)
    [row] = report["settings"]
    assert row["value"] == scenario.other.anthropic_url and row["file"] == str(drop_in)
    assert [s["file"] for s in row["shadowed"]] == [str(org)]
