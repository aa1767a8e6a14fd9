"""jsondoc works in UTF-8 bytes (a one-byte-per-character view of them): non-ASCII text must come
out byte for byte, be decoded exactly where cbcfg keeps it, and be judged exactly (duplicate keys,
error positions) although the scanner never sees it decoded."""

from __future__ import annotations

import json

import pytest

from claude_bifrost_cfg.jsondoc import (
    Edit,
    JsonDocError,
    Merged,
    NotUtf8Error,
    apply_edits,
    check_merged,
    edit_document,
    parse_document,
)
from tests.cli_helpers import Scratch, scratch

__all__ = ["scratch"]

FOREIGN = (
    '{\n  "projects": {\n    "/home/zoë/日本語": {"history": ["ça va 😀", "\\u00e9t\\u00e9", "\\ud83d\\ude00"],'
    ' "é": {"深い": "✓"}},\n    "/tmp/x": {}\n  },\n  "naïve 🙂": "emoji ✨ and \\"quotes\\"",\n'
    '  "mcpServers": {\n    "服务": {"command": "mañana"}\n  }\n}\n'
)


def test_non_ascii_keys_and_values_round_trip_byte_identical() -> None:
    data = FOREIGN.encode("utf-8")
    document = parse_document(data, keep={"mcpServers": None, "naïve 🙂": None})
    assert document.values == {"mcpServers": {"服务": {"command": "mañana"}}, "naïve 🙂": 'emoji ✨ and "quotes"'}
    assert [member.key for member in document.root.members] == ["projects", "naïve 🙂", "mcpServers"]
    after = apply_edits(document, [Edit("/mcpServers/bifrost", {"type": "http"})])
    assert isinstance(after, bytes)
    head = FOREIGN.partition("\n  }\n}\n")[0]
    assert after.startswith(head.encode("utf-8"))
    assert json.loads(after) == {
        **json.loads(FOREIGN),
        "mcpServers": {"服务": {"command": "mañana"}, "bifrost": {"type": "http"}},
    }
    assert parse_document(after).values == json.loads(after)  # every member decoded exactly
    # and removing it again gives every byte back
    assert apply_edits(parse_document(after), [Edit("/mcpServers/bifrost", remove=True)]) == data


def test_a_new_value_with_non_ascii_is_spliced_in_as_utf8() -> None:
    document = parse_document('{\n  "env": {"A": "ä"}\n}\n'.encode())
    after = apply_edits(document, [Edit("/env/B", "日本 😀 é"), Edit("/new", {"ключ": "值"})])
    assert after.decode("utf-8") == '{\n  "env": {"A": "ä", "B": "日本 😀 é"},\n  "new": {\n    "ключ": "值"\n  }\n}\n'


def test_a_value_that_is_not_utf8_once_rendered_is_escaped() -> None:
    after = apply_edits(parse_document(b"{}"), [Edit("/a", "x\ud800y")])  # a lone surrogate (valid JSON)
    assert after == b'{\n  "a": "x\\ud800y"\n}'
    assert parse_document(after).values == {"a": "x\ud800y"}


EXACT_DUPLICATE = '{"é": 1, "\\u00e9": 2}'  # the same key, written two ways
NOT_A_DUPLICATE = '{"é": 1, "\\u00c3\\u00a9": 2}'  # "é" and "Ã©": the view reads both as "Ã©"


@pytest.mark.parametrize(
    "wrap",
    [
        "{0}",  # the top level
        '{{"mcpServers": {{}}, "projects": {0}}}',  # a skimmed member (walked key by key)
        '{{"mcpServers": {{}}, "projects": {{"p": {0}}}}}',  # inside one of its values (decoded whole)
        '{{"mcpServers": {{}}, "projects": {{"p": [1, {{"q": {0}}}]}}}}',  # deeper
        '{{"mcpServers": {{"x": {0}}}}}',  # a member cbcfg keeps
    ],
)
def test_duplicate_keys_are_judged_exactly(wrap: str) -> None:
    with pytest.raises(JsonDocError, match="duplicate key 'é'"):
        parse_document(wrap.format(EXACT_DUPLICATE).encode(), keep={"mcpServers": None})
    text = wrap.format(NOT_A_DUPLICATE)
    document = parse_document(text.encode(), keep={"mcpServers": None})
    assert document.values.get("mcpServers", {}) == json.loads(text).get("mcpServers", {})


def test_a_kept_member_is_decoded_exactly() -> None:
    text = '{"mcpServers": {"é": "\\u00e9", "Ã©": "é", "日": ["😀", "\\ud83d\\ude00"]}}'
    assert parse_document(text.encode(), keep={"mcpServers": None}).values == json.loads(text)


def test_invalid_utf8_is_refused_with_its_line_and_byte() -> None:
    data = '{\n  "a": "日本",\n  "b": "'.encode() + b"\xff" + b'"\n}\n'
    with pytest.raises(NotUtf8Error) as caught:
        parse_document(data)
    bad = data.index(b"\xff")
    assert str(caught.value) == f"line 3: not valid UTF-8 (byte {bad})"
    truncated = '{"a": "日'.encode()[:-1] + b'"}'  # a sequence cut short
    with pytest.raises(NotUtf8Error, match="line 1: not valid UTF-8"):
        parse_document(truncated)


def test_invalid_utf8_across_a_megabyte_boundary_is_found() -> None:
    pad = b'{"a": "' + b"x" * ((1 << 20) - 8)
    data = pad + "é".encode()[:1] + b'"}'  # the bad byte sits just before the first 1 MB boundary
    with pytest.raises(NotUtf8Error, match=f"byte {len(pad)}"):
        parse_document(data)
    assert parse_document(pad + "日本".encode() + b'"}').values == {"a": "x" * ((1 << 20) - 8) + "日本"}


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{\n  "a": "日本😀", x\n}', 2, 15),
        ('{"é": 1, "😀": 2,}', 1, 17),
        ('{"k": ["ünïcödé", 1,, 2]}', 1, 21),
        ('{\n"ok": 1,\n"été": tru}', 3, 8),
    ],
)
def test_error_positions_count_characters(text: str, line: int, column: int) -> None:
    with pytest.raises(JsonDocError) as caught:
        parse_document(text.encode())
    assert (caught.value.line, caught.value.column) == (line, column)
    assert f"line {line} column {column}" in str(caught.value)


def test_an_error_names_a_non_ascii_key_exactly() -> None:
    with pytest.raises(JsonDocError) as caught:
        parse_document('{"mcpServers": {"服务": {"a": 1, "a": 2}}}'.encode(), keep={"mcpServers": None})
    assert caught.value.pointer == "/mcpServers"
    with pytest.raises(JsonDocError, match="key /日本: ") as named:
        parse_document('{"日本": {"é": 1, "é": 2}}'.encode())
    assert "duplicate key 'é'" in str(named.value)


def test_apply_refuses_a_big_client_file_that_is_not_utf8(scratch: Scratch) -> None:
    """The real command on ~/.claude.json (only some members decoded): today's message, file untouched."""
    scratch.claude_json.parent.mkdir(parents=True, exist_ok=True)
    data = '{\n  "projects": {"/home/zoë": {"h": "日本"}},\n  "x": "'.encode() + b"\xc3(" + b'"\n}\n'
    scratch.claude_json.write_bytes(data)
    result = scratch.run("apply", "local", "-t", "code-mcp", "--yes")
    assert result.code == 3, result
    bad = data.index(b"\xc3(")
    assert f"~/.claude.json: line 3: not valid UTF-8 (byte {bad})" in result.stderr, result
    assert "save the file as UTF-8" in result.stderr
    assert scratch.claude_json.read_bytes() == data


def test_apply_keeps_a_non_ascii_client_file_byte_for_byte(scratch: Scratch) -> None:
    scratch.claude_json.parent.mkdir(parents=True, exist_ok=True)
    data = FOREIGN.encode("utf-8")
    scratch.claude_json.write_bytes(data)
    result = scratch.run("apply", "local", "-t", "code-mcp", "--yes")
    assert result.code == 0, result
    after = scratch.claude_json.read_bytes()
    head = FOREIGN.partition("\n  }\n}\n")[0].encode("utf-8")
    assert after.startswith(head) and after.endswith(b"\n  }\n}\n")
    assert set(json.loads(after)["mcpServers"]) == {"服务", "bifrost"}
    assert scratch.run("rollback", "--yes").code == 0
    assert scratch.claude_json.read_bytes() == data


def test_check_merged_reads_what_a_whole_parse_reads_without_rescanning_untouched_values() -> None:
    document = parse_document(FOREIGN.encode(), keep={"mcpServers": None})
    merged = edit_document(document, [Edit("/mcpServers/bifrost", {"url": "ü"})])
    assert [key for key, _, _ in merged.verbatim] == ["projects", "naïve 🙂"]
    for keep in ({"mcpServers": None}, {"mcpServers": None, "naïve 🙂": None}, None):
        assert check_merged(merged, keep) == parse_document(merged.data, keep).values
    start, end = merged.verbatim[0][1:]
    assert json.loads(merged.data[start:end]) == json.loads(FOREIGN)["projects"]
    broken = Merged(merged.data.replace(b'"bifrost"', b'"\xff"'), merged.verbatim)
    with pytest.raises(NotUtf8Error):
        check_merged(broken, {"mcpServers": None})
    twice = Merged(merged.data.replace(b'"mcpServers"', b'"projects"'), merged.verbatim)
    with pytest.raises(JsonDocError, match="duplicate key 'projects'"):
        check_merged(twice, {"mcpServers": None})
