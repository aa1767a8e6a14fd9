"""jsondoc: strict parsing, and edits that keep every byte cbcfg does not own."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_bifrost_cfg.jsondoc import (
    Edit,
    JsonDocError,
    apply_edits,
    get_at,
    new_document_text,
    parse_document,
    path_to_pointer,
    pointer_to_path,
)

# --- pointers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "pointer"),
    [
        ((), ""),
        (("env",), "/env"),
        (("env", "ANTHROPIC_BASE_URL"), "/env/ANTHROPIC_BASE_URL"),
        (("a/b", "c~d"), "/a~1b/c~0d"),
        (("",), "/"),
    ],
)
def test_pointers_round_trip(path: tuple[str, ...], pointer: str) -> None:
    assert path_to_pointer(path) == pointer
    assert pointer_to_path(pointer) == path


def test_a_pointer_must_start_with_a_slash() -> None:
    with pytest.raises(ValueError):
        pointer_to_path("env")


def test_get_at_walks_objects_only() -> None:
    doc = {"env": {"A": "1"}, "list": [{"x": 1}]}
    assert get_at(doc, "/env/A") == (True, "1")
    assert get_at(doc, "/env/B") == (False, None)
    assert get_at(doc, "/list/0") == (False, None)
    assert get_at(doc, "/env/A/deeper") == (False, None)


# --- parsing: what is refused -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"env": {"A": "1"}', "truncated"),
        ('{"env": {"A": "1",}}', "trailing comma"),
        ('{"a": 1,}', "trailing comma"),
        ('{\n  // a comment\n  "a": 1\n}', "comment"),
        ('{"a": 1 /* block */}', "block comment"),
        ("\ufeff{}", "BOM"),
        ("[]", "array root"),
        ('"text"', "string root"),
        ("42", "number root"),
        ("null", "null root"),
        ('{"a": NaN}', "NaN"),
        ('{"a": Infinity}', "Infinity"),
        ('{"a": 1, "a": 2}', "duplicate top-level key"),
        ('{"env": {"A": "1", "A": "2"}}', "duplicate nested key"),
        ('{"a": 1} {"b": 2}', "two documents"),
        ("{'a': 1}", "single quotes"),
        ("{a: 1}", "unquoted key"),
    ],
)
def test_unsafe_documents_are_refused(text: str, reason: str) -> None:
    with pytest.raises(JsonDocError):
        parse_document(text)


def test_errors_say_where() -> None:
    with pytest.raises(JsonDocError) as caught:
        parse_document('{\n  "a": 1,\n  "b": 2,\n}\n')
    assert caught.value.line == 4
    assert "line 4" in str(caught.value)
    assert "trailing comma" in str(caught.value)


def test_errors_in_a_member_name_its_pointer() -> None:
    with pytest.raises(JsonDocError) as caught:
        parse_document('{"env": {"A": "1", "A": "2"}}')
    assert caught.value.pointer == "/env"


def test_bom_error_says_what_to_do() -> None:
    with pytest.raises(JsonDocError, match="byte order mark"):
        parse_document('\ufeff{"a": 1}')


@pytest.mark.parametrize("text", ["", "\n", "  \r\n\t"])
def test_an_empty_file_reads_as_an_empty_object(text: str) -> None:
    document = parse_document(text)
    assert document.empty_text
    assert document.values == {}
    assert apply_edits(document, [Edit("/env/A", "1")]).decode() == '{\n  "env": {\n    "A": "1"\n  }\n}\n'


def test_keep_decodes_only_the_members_asked_for_but_validates_all() -> None:
    text = '{"big": [1, 2, 3], "mcpServers": {"x": {}}, "other": "y"}'
    assert parse_document(text, keep={"mcpServers": None}).values == {"mcpServers": {"x": {}}}
    assert parse_document(text).values == json.loads(text)
    with pytest.raises(JsonDocError):
        parse_document('{"big": [1, 2,], "mcpServers": {}}', keep={"mcpServers": None})


# --- editing: exact bytes -----------------------------------------------------------------------

BASE = "http://localhost:8080/anthropic"


def _edit(text: str, *edits: Edit, prune: tuple[str, ...] = ()) -> str:
    return apply_edits(parse_document(text), edits, prune).decode()


def test_adding_to_an_existing_object_keeps_everything_else() -> None:
    before = '{\n  "hooks": {"PreToolUse": []},\n  "env": {\n    "FOO": "1"\n  },\n  "z": 1\n}\n'
    after = _edit(before, Edit("/env/ANTHROPIC_BASE_URL", BASE))
    assert after == (
        '{\n  "hooks": {"PreToolUse": []},\n  "env": {\n    "FOO": "1",\n'
        f'    "ANTHROPIC_BASE_URL": "{BASE}"\n  }},\n  "z": 1\n}}\n'
    )


def test_a_new_object_is_appended_in_the_files_style() -> None:
    assert _edit('{\n    "a": 1\n}', Edit("/env/X", "1")) == '{\n    "a": 1,\n    "env": {\n        "X": "1"\n    }\n}'


def test_tabs_and_crlf_are_kept_for_new_text() -> None:
    before = '{\r\n\t"a": 1,\r\n\t"env": {\r\n\t\t"FOO": "1"\r\n\t}\r\n}\r\n'
    after = _edit(before, Edit("/env/X", "1"), Edit("/mcpServers/bifrost", {"url": "u"}))
    assert after == (
        '{\r\n\t"a": 1,\r\n\t"env": {\r\n\t\t"FOO": "1",\r\n\t\t"X": "1"\r\n\t},\r\n'
        '\t"mcpServers": {\r\n\t\t"bifrost": {\r\n\t\t\t"url": "u"\r\n\t\t}\r\n\t}\r\n}\r\n'
    )


def test_compact_files_stay_compact() -> None:
    assert _edit('{"a":1}', Edit("/env/X", "1")) == '{"a":1,"env":{"X":"1"}}'


def test_no_trailing_newline_stays_without_one() -> None:
    assert _edit('{\n  "a": 1\n}', Edit("/b", 2)) == '{\n  "a": 1,\n  "b": 2\n}'


def test_an_empty_object_gets_indented_members() -> None:
    assert _edit("{}\n", Edit("/env/X", "1")) == '{\n  "env": {\n    "X": "1"\n  }\n}\n'


def test_replacing_a_value_keeps_its_key_and_spacing() -> None:
    before = '{\n  "env" :  {\n    "X" :"old",  "Y": "keep"\n  }\n}'
    assert _edit(before, Edit("/env/X", "new")) == '{\n  "env" :  {\n    "X" :"new",  "Y": "keep"\n  }\n}'


def test_number_spellings_and_escapes_outside_the_edit_are_untouched() -> None:
    before = '{"n": 1.0e+2, "s": "\\u00e9\\/", "big": 123456789012345678901234567890, "env": {}}'
    after = _edit(before, Edit("/env/X", "1"))
    assert after.startswith('{"n": 1.0e+2, "s": "\\u00e9\\/", "big": 123456789012345678901234567890, "env": ')


@pytest.mark.parametrize(
    ("before", "pointer", "after"),
    [
        ('{\n  "a": 1,\n  "b": 2,\n  "c": 3\n}', "/b", '{\n  "a": 1,\n  "c": 3\n}'),
        ('{\n  "a": 1,\n  "b": 2,\n  "c": 3\n}', "/a", '{\n  "b": 2,\n  "c": 3\n}'),
        ('{\n  "a": 1,\n  "b": 2,\n  "c": 3\n}', "/c", '{\n  "a": 1,\n  "b": 2\n}'),
        ('{"a": 1}', "/a", "{}"),
        ('{"env": {"X": "1", "Y": "2"}}', "/env/X", '{"env": {"Y": "2"}}'),
    ],
)
def test_removing_a_member_leaves_its_neighbours_as_they_were(before: str, pointer: str, after: str) -> None:
    assert _edit(before, Edit(pointer, remove=True)) == after


def test_an_object_cbcfg_created_is_pruned_when_emptied_and_a_users_is_not() -> None:
    before = '{\n  "a": 1,\n  "env": {\n    "X": "1"\n  }\n}'
    assert _edit(before, Edit("/env/X", remove=True), prune=("/env",)) == '{\n  "a": 1\n}'
    assert _edit(before, Edit("/env/X", remove=True)) == '{\n  "a": 1,\n  "env": {}\n}'


def test_removing_what_is_not_there_changes_nothing() -> None:
    before = '{\n  "a": 1\n}\n'
    assert _edit(before, Edit("/env/X", remove=True)) == before


def test_writing_inside_a_non_object_is_refused() -> None:
    with pytest.raises(JsonDocError, match="needs an object"):
        _edit('{"env": ["not", "an", "object"]}', Edit("/env/X", "1"))


def test_the_whole_document_is_never_replaced() -> None:
    with pytest.raises(ValueError):
        _edit("{}", Edit("", {}))


def test_new_documents_look_like_claudes() -> None:
    assert new_document_text({"env": {"A": "é"}}).decode() == '{\n  "env": {\n    "A": "é"\n  }\n}\n'


# --- property: foreign members survive byte for byte ---------------------------------------------

_NO_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
_keys = st.text(st.characters(codec="utf-8", exclude_categories=_NO_SURROGATES), max_size=6)
_scalars = (
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(allow_nan=False, allow_infinity=False)
)
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3), max_leaves=8
)
_styles = st.sampled_from(
    [
        {"indent": 2},
        {"indent": 4},
        {"indent": "\t"},
        {"indent": None},
        {"indent": None, "separators": (",", ":")},
        {"indent": 3, "separators": (",", " : ")},
    ]
)
_owned_names = st.lists(st.sampled_from(["A", "B", "C", "D"]), unique=True, max_size=4)


def _dumps(value: Any, style: dict[str, Any], crlf: bool) -> str:
    text = json.dumps(value, ensure_ascii=False, **style)
    return text.replace("\n", "\r\n") if crlf else text


@settings(
    max_examples=120, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    foreign=st.dictionaries(_keys.filter(lambda k: k != "env"), _values, max_size=5),
    env_foreign=st.dictionaries(st.sampled_from(["FOO", "BAR", "X_1"]), st.text(max_size=5), max_size=3),
    existing=_owned_names,
    wanted=st.dictionaries(st.sampled_from(["A", "B", "C", "D"]), st.text(max_size=5), max_size=4),
    style=_styles,
    crlf=st.booleans(),
    newline_at_end=st.booleans(),
)
def test_edits_keep_foreign_members_verbatim(
    foreign: dict[str, Any],
    env_foreign: dict[str, str],
    existing: list[str],
    wanted: dict[str, str],
    style: dict[str, Any],
    crlf: bool,
    newline_at_end: bool,
) -> None:
    env = {**env_foreign, **{name: "old" for name in existing}}
    original = {**foreign, "env": env} if env or existing else dict(foreign)
    text = _dumps(original, style, crlf) + ("\r\n" if crlf else "\n") * newline_at_end
    removed = [name for name in existing if name not in wanted]
    edits = [Edit(f"/env/{name}", value) for name, value in wanted.items()]
    edits += [Edit(f"/env/{name}", remove=True) for name in removed]

    after = apply_edits(parse_document(text), edits).decode()

    expected = json.loads(text)
    if wanted or "env" in expected:
        expected.setdefault("env", {})
        for name in removed:
            expected["env"].pop(name, None)
        expected["env"].update(wanted)
    assert json.loads(after) == expected
    # Every foreign top-level member's text is still there, in the same order.
    position = 0
    for key, value in foreign.items():
        member = _dumps({key: value}, style, crlf)
        member = member.strip("{}").strip("\r\n\t ")
        if not member:
            continue
        found = after.find(member, position)
        assert found >= 0, (member, after)
        position = found + len(member)
    assert after[len(after.rstrip()) :] == text[len(text.rstrip()) :]  # the trailing newline, or none
    if crlf:
        assert after.count("\n") == after.count("\r\n")
    else:
        assert "\r" not in after
