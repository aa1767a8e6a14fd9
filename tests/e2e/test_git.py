"""A project's key stays out of git (issue 12, item 6): after `apply -t code-local` in a git
project, git (run as the user) does not offer `.claude/settings.local.json` or any file holding
the key, and the client still reads the file."""

from __future__ import annotations

import pytest

from tests.e2e.harness import KEY_A, Scenario, key_headers

pytestmark = pytest.mark.e2e

LOCAL_SETTINGS = ".claude/settings.local.json"


def test_code_local_key_is_not_offered_to_git(scenario: Scenario) -> None:
    project = scenario.project
    scenario.as_user(["git", "init", "-q", str(project)])

    scenario.apply("local", "code-local", key=KEY_A)

    assert (project / LOCAL_SETTINGS).is_file()
    # Every untracked file one by one (the default would show just `.claude/`).
    status = scenario.as_user(["git", "status", "--porcelain", "--untracked-files=all"], cwd=project).stdout
    offered = [line[3:] for line in status.splitlines()]
    assert LOCAL_SETTINGS not in offered, status
    for path in offered:
        assert KEY_A not in (project / path).read_text(encoding="utf-8", errors="replace"), path
    turn = scenario.ask(cwd=project)
    assert turn.gateway is scenario.gateway
    assert key_headers(turn.request) == {"x-api-key": KEY_A}
