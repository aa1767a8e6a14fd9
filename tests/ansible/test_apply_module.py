"""The cbcfg.claude.apply module, run by the real ansible-playbook against localhost (connection local).

Three playbook runs (each costs seconds): check + diff mode first (writes nothing), then a real run
(changed), then the same again (unchanged). Every run also has a task with a bad profile, and every
run's output, Ansible's log and the argv cbcfg was started with are searched for the keys.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.cli_helpers import KEY, OTHER_KEY, snapshot_tree

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS = REPO / "ansible"
PLAYBOOK = Path(__file__).with_name("playbook.yml")
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")


def run_playbook(tmp: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    results = tmp / "results.json"
    results.unlink(missing_ok=True)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BIFROST_", "CBCFG_", "XDG_", "ANSIBLE_", "CLAUDE_", "ANTHROPIC_"))
    }
    env.update(
        HOME=str(tmp / "controller-home"),
        ANSIBLE_HOME=str(tmp / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(tmp / "ansible-tmp"),
        ANSIBLE_REMOTE_TEMP=str(tmp / "ansible-tmp"),
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        ANSIBLE_LOG_PATH=str(tmp / "ansible.log"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ALICE_KEY=KEY,
        BOB_KEY=OTHER_KEY,
    )
    extra_vars = {"cbcfg": str(tmp / "cbcfg-wrapper"), "root": str(tmp / "machine"), "results": str(results)}
    done = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", "localhost,", str(PLAYBOOK), "-e", json.dumps(extra_vars), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done, json.loads(results.read_text("utf-8"))


def assert_no_key(*texts: str) -> None:
    for text in texts:
        for key in (KEY, OTHER_KEY):
            assert key[:16] not in text and key[-12:] not in text, "a virtual key leaked"


def test_apply_module_check_real_again(tmp_path: Path) -> None:
    real = Path(sys.executable).with_name("cbcfg")
    wrapper = tmp_path / "cbcfg-wrapper"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{tmp_path}/argv.log"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    machine = tmp_path / "machine"
    for user in ("alice", "bob", "carol", "root"):
        (machine / "home" / user).mkdir(parents=True)
    (machine / "system").mkdir()
    alice_settings = machine / "home" / "alice" / ".claude" / "settings.json"
    carol_settings = machine / "home" / "carol" / ".claude" / "settings.json"
    carols_own = b'{\n  "theme": "dark",\n  "env": {"MINE": "1"}\n}\n'
    carol_settings.parent.mkdir()
    carol_settings.write_bytes(carols_own)
    managed_file = machine / "system" / "etc" / "claude-code" / "managed-settings.json"

    # 1. check + diff: every task would change, nothing is written, the diff is masked.
    before = snapshot_tree(machine)
    checked, results = run_playbook(tmp_path, "--check", "--diff")
    assert snapshot_tree(machine) == before
    for name in ("alice", "bob", "managed"):
        assert results[name]["changed"] is True, results[name]
        assert results[name]["report"]["applied"] is False
    assert f"sk-bf-…{KEY[-4:]}" in checked.stdout  # the masked key in the diff
    assert "/env/ANTHROPIC_BASE_URL" in checked.stdout
    assert results["carol"]["changed"] is True and results["absent"]["changed"] is False  # nothing to take out yet

    # 2. the real run: changed, files written, the key where it belongs.
    applied, results = run_playbook(tmp_path)
    for name in ("alice", "bob", "managed"):
        assert results[name]["changed"] is True, results[name]
    assert json.loads(alice_settings.read_text())["env"]["ANTHROPIC_API_KEY"] == KEY
    assert stat.S_IMODE(alice_settings.stat().st_mode) == 0o600
    bob = json.loads((machine / "home" / "bob" / ".claude" / "settings.json").read_text())
    assert bob["env"]["ANTHROPIC_API_KEY"] == OTHER_KEY and bob["env"]["ANTHROPIC_DEFAULT_SONNET_MODEL"].startswith(
        "bedrock/"
    )
    managed = json.loads(managed_file.read_text())
    assert managed["env"]["ANTHROPIC_BASE_URL"] == "http://localhost:8080/anthropic"
    assert "ANTHROPIC_API_KEY" not in managed["env"]
    # state=absent after present in one play: cbcfg's keys out again, carol's file as she had it.
    assert results["carol"]["changed"] is True and results["absent"]["changed"] is True, results["absent"]
    assert results["absent"]["report"]["command"] == "remove" and results["absent"]["report"]["removed"] is True
    assert carol_settings.read_bytes() == carols_own

    # 3. again: nothing changes.
    again, results = run_playbook(tmp_path)
    for name in ("alice", "bob", "managed"):
        assert results[name]["changed"] is False, results[name]

    # The bad profile fails its task with cbcfg's one line, in every run.
    bad = results["bad"]
    assert bad["failed"] is True and bad["rc"] == 4
    assert bad["msg"].startswith("cbcfg: error: no profile named 'nosuch'") and "\n" not in bad["msg"]

    assert carol_settings.read_bytes() == carols_own and results["absent"]["changed"] is True

    # The keys: never in Ansible's output, its log, the results it registered, or cbcfg's argv.
    log = (tmp_path / "ansible.log").read_text("utf-8")
    argv = (tmp_path / "argv.log").read_text("utf-8")
    assert "--key-stdin" in argv
    assert_no_key(checked.stdout, checked.stderr, applied.stdout, applied.stderr, again.stdout, again.stderr)
    assert_no_key(log, argv, json.dumps(results))


def test_collection_builds(tmp_path: Path) -> None:
    galaxy = Path(sys.executable).with_name("ansible-galaxy")
    source = COLLECTIONS / "ansible_collections" / "cbcfg" / "claude"
    copy = shutil.copytree(source, tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [str(galaxy), "collection", "build", str(copy), "--output-path", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ANSIBLE_HOME": str(tmp_path / "ah"), "HOME": str(tmp_path)},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "cbcfg-claude-0.1.0.tar.gz").exists()
