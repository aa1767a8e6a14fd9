"""apply's first-run note takes the client's answers from the plan when the plan read ~/.claude.json
(``code-mcp``): the same verdicts as reading the file again, without a second read of a big file."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import KEY, Scratch, scratch

__all__ = ["scratch"]


def _client_file(scratch: Scratch, approved: list[str], rejected: list[str]) -> None:
    scratch.claude_json.parent.mkdir(parents=True, exist_ok=True)
    state = {  # the answers first, far from where mcpServers is added (the diff's context lines)
        "customApiKeyResponses": {"approved": approved, "rejected": rejected},
        "hasCompletedOnboarding": True,
        "projects": {f"/home/zoë/日本/{n}": {"allowedTools": []} for n in range(4)},
    }
    scratch.claude_json.write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n", "utf-8")


@pytest.mark.parametrize(
    ("approved", "rejected", "said"),
    [
        ([], [KEY[-20:]], "rejected this ANTHROPIC_API_KEY before"),
        ([], [], "Detected a custom API key"),
        ([KEY[-20:]], [], None),
    ],
)
def test_the_note_reads_the_answers_the_plan_read(
    scratch: Scratch, approved: list[str], rejected: list[str], said: str | None
) -> None:
    _client_file(scratch, approved, rejected)
    result = scratch.cbcfg("apply", "local", "--yes", "--target", "code", "--target", "code-mcp", key=KEY)
    assert result.exit_code == 0, result.output
    assert "Applied profile" in result.stdout
    if said is None:
        assert "Detected a custom API key" not in result.output and "rejected this" not in result.output
    else:
        assert said in result.stdout
    assert json.loads(scratch.claude_json.read_text("utf-8"))["customApiKeyResponses"] == {
        "approved": approved,
        "rejected": rejected,
    }
