"""plan: the three-way merge of (what cbcfg set last time, what is on disk, what the profile wants)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_bifrost_cfg.jsondoc import parse_document
from claude_bifrost_cfg.plan import FilePlan, Record, digest, drift_against, plan_file, top_level_keys

KEY = "sk-bf-7f3c2a91e5d04b68a1c9f2e3d4b5a6c7"
URL = "/env/ANTHROPIC_BASE_URL"
SONNET = "/env/ANTHROPIC_DEFAULT_SONNET_MODEL"
LOCAL = {"/env/ANTHROPIC_API_KEY": KEY, URL: "http://localhost:8080/anthropic"}
BEDROCK = {**LOCAL, SONNET: "bedrock/global.anthropic.claude-sonnet-4-6"}


def plan(
    text: str | bytes | None, wanted: dict[str, Any], previous: Record | None = None, force: bool = False
) -> FilePlan:
    document = parse_document(text) if text is not None else None
    values = document.values if document else None
    return plan_file("code", "p", document, values, wanted, previous, force)


def test_a_missing_file_is_created_with_what_is_wanted() -> None:
    result = plan(None, LOCAL)
    assert result.before is None
    assert json.loads(result.after or "") == {"env": {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": LOCAL[URL]}}
    assert [(c.pointer, c.action) for c in result.changes] == [("/env/ANTHROPIC_API_KEY", "add"), (URL, "add")]
    assert result.changed and not result.drift


def test_the_record_keeps_digests_never_values() -> None:
    result = plan(None, LOCAL)
    assert result.record.owned == {pointer: digest(value) for pointer, value in LOCAL.items()}
    assert KEY not in json.dumps(result.record.to_json())
    assert Record.from_json(result.record.to_json()) == result.record


def test_a_second_plan_changes_nothing() -> None:
    first = plan('{"hooks": {}}\n', LOCAL)
    second = plan(first.after, LOCAL, first.record)
    assert not second.changed
    assert second.after == first.after
    assert second.changes == ()
    assert second.record == first.record


def test_keys_cbcfg_no_longer_wants_are_removed() -> None:
    first = plan('{\n  "env": {\n    "FOO": "1"\n  }\n}\n', BEDROCK)
    second = plan(first.after, LOCAL, first.record)
    assert [(c.pointer, c.action) for c in second.changes] == [(SONNET, "remove")]
    assert json.loads(second.after or "")["env"] == {"FOO": "1", **{k.split("/")[-1]: v for k, v in LOCAL.items()}}
    assert SONNET not in second.record.owned


def test_back_and_forth_ends_where_a_direct_plan_ends() -> None:
    start = '{\n  "permissions": {"allow": ["Bash(ls)"]},\n  "env": {"FOO": "1"}\n}'
    direct = plan(start, BEDROCK)
    there = plan(start, BEDROCK)
    back = plan(there.after, LOCAL, there.record)
    again = plan(back.after, BEDROCK, back.record)
    assert again.after == direct.after


def test_a_value_the_user_changed_is_drift_and_left_alone() -> None:
    first = plan(None, LOCAL)
    edited = (first.after or b"").decode().replace("localhost:8080", "gateway.internal:8080")
    second = plan(edited, LOCAL, first.record)
    assert not second.changed
    assert [d.pointer for d in second.drift] == [URL]
    assert second.record.owned[URL] == first.record.owned[URL]  # still owned: the next apply reports it again


def test_force_overwrites_drift() -> None:
    first = plan(None, LOCAL)
    edited = (first.after or b"").decode().replace("localhost:8080", "gateway.internal:8080")
    forced = plan(edited, LOCAL, first.record, force=True)
    assert forced.after == first.after
    assert forced.drift == ()


def test_a_value_the_user_removed_is_restored_and_said_so() -> None:
    # Issue 12 item 4 reversed this test's old assertion (deleted = drift, not changed): a deleted
    # owned key is "nothing to change" no more; apply asks for the profile, so it comes back.
    first = plan(None, LOCAL)
    doc = json.loads(first.after or "")
    del doc["env"]["ANTHROPIC_BASE_URL"]
    second = plan(json.dumps(doc, indent=2), LOCAL, first.record)
    assert second.drift == ()
    assert second.changed
    assert [(c.pointer, c.action) for c in second.changes] == [(URL, "add")]
    assert json.loads(second.after or "") == json.loads(first.after or "")
    assert f"restored: {URL} deleted since cbcfg set it" in second.notes
    assert second.record.owned == first.record.owned


def test_a_value_the_user_changed_stays_drift_beside_a_restored_one() -> None:
    first = plan(None, LOCAL)
    doc = json.loads(first.after or "")
    del doc["env"]["ANTHROPIC_BASE_URL"]
    doc["env"]["ANTHROPIC_API_KEY"] = "sk-bf-theirs-0000000000"
    second = plan(json.dumps(doc, indent=2), LOCAL, first.record)
    assert [d.pointer for d in second.drift] == ["/env/ANTHROPIC_API_KEY"]
    assert [c.pointer for c in second.changes] == [URL]
    assert json.loads(second.after or "")["env"]["ANTHROPIC_API_KEY"] == "sk-bf-theirs-0000000000"


def test_a_stale_key_the_user_changed_is_not_removed() -> None:
    first = plan(None, BEDROCK)
    edited = (first.after or b"").decode().replace("claude-sonnet-4-6", "claude-sonnet-4-5")
    second = plan(edited, LOCAL, first.record)
    assert json.loads(second.after or "")["env"]["ANTHROPIC_DEFAULT_SONNET_MODEL"].endswith("4-5")
    assert [d.pointer for d in second.drift] == [SONNET]
    forced = plan(edited, LOCAL, first.record, force=True)
    assert "ANTHROPIC_DEFAULT_SONNET_MODEL" not in json.loads(forced.after or "")["env"]


def test_keys_cbcfg_never_set_are_never_removed() -> None:
    text = '{"env": {"ANTHROPIC_DEFAULT_SONNET_MODEL": "mine"}}'
    result = plan(text, LOCAL, Record("code", "p", {}))
    assert json.loads(result.after or "")["env"]["ANTHROPIC_DEFAULT_SONNET_MODEL"] == "mine"


def test_a_record_for_a_deleted_file_is_forgotten() -> None:
    first = plan(None, BEDROCK)
    again = plan(None, LOCAL, first.record)
    assert again.drift == ()
    assert set(again.record.owned) == set(LOCAL)


def test_an_env_cbcfg_created_goes_away_with_its_last_key() -> None:
    first = plan('{"a": 1}', {URL: "u"})
    assert first.record.containers == ("/env",)
    second = plan(first.after, {"/model": "m"}, first.record)
    assert json.loads(second.after or "") == {"a": 1, "model": "m"}


def test_drift_against_reports_changed_and_removed() -> None:
    record = Record("code", "p", {URL: digest("u"), SONNET: digest("s")})
    drift = drift_against(record, {"env": {"ANTHROPIC_BASE_URL": "other"}})
    assert {(d.pointer, d.reason.split()[0]) for d in drift} == {(URL, "changed"), (SONNET, "removed")}
    assert drift_against(record, {"env": {"ANTHROPIC_BASE_URL": "u", "ANTHROPIC_DEFAULT_SONNET_MODEL": "s"}}) == ()


def test_top_level_keys() -> None:
    assert list(top_level_keys({"/mcpServers/bifrost": 1}, {"/env/A": 1, "/mcpServers/x": 2})) == ["mcpServers", "env"]


# --- property: the merge never loses a foreign key ----------------------------------------------

_names = st.sampled_from(["A", "B", "C", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"])
_wants = st.dictionaries(_names, st.sampled_from(["1", "2", "x"]), max_size=4)


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(
    foreign_env=st.dictionaries(st.sampled_from(["FOO", "BAR"]), st.text(max_size=4), max_size=2),
    foreign_top=st.dictionaries(st.sampled_from(["hooks", "statusLine", "zzz"]), st.integers(), max_size=3),
    first=_wants,
    second=_wants,
    user_edits=st.dictionaries(_names, st.sampled_from(["1", "user"]) | st.none(), max_size=2),
)
def test_two_profiles_in_a_row_keep_foreign_keys_and_report_user_edits(
    foreign_env: dict[str, str],
    foreign_top: dict[str, int],
    first: dict[str, str],
    second: dict[str, str],
    user_edits: dict[str, str | None],
) -> None:
    start = json.dumps({**foreign_top, "env": foreign_env}, indent=2) + "\n"
    one = plan(start, {f"/env/{k}": v for k, v in first.items()})
    doc = json.loads(one.after or "")
    for name, value in user_edits.items():
        if value is None:
            doc["env"].pop(name, None)
        else:
            doc["env"][name] = value
    edited = json.dumps(doc, indent=2) + "\n"
    two = plan(edited, {f"/env/{k}": v for k, v in second.items()}, one.record)
    result = json.loads(two.after or "")

    for name, kept in foreign_top.items():
        assert result[name] == kept
    for name, value in foreign_env.items():
        if name not in user_edits:
            assert result["env"][name] == value
    drifted = {d.pointer.split("/")[-1] for d in two.drift}
    for name, value in second.items():
        assert result["env"].get(name) == value or name in drifted
    for name in set(first) - set(second):
        if name not in user_edits:
            assert name not in result["env"]  # stale keys cbcfg set go away...
        elif doc["env"].get(name) is not None and doc["env"][name] != first[name]:
            assert result["env"][name] == doc["env"][name]  # ...unless the user changed them
