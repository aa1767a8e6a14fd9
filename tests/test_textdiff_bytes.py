"""The diff of two files' bytes (UTF-8, as plans carry them) is difflib's diff of their text, and a
huge file is never decoded whole."""

from __future__ import annotations

import difflib

from claude_bifrost_cfg.textdiff import WHOLE_BELOW, unified_diff


def reference(old: str, new: str) -> list[str]:
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), "a", "b", lineterm=""))


def test_bytes_with_non_ascii_lines_and_breaks_give_difflibs_diff() -> None:
    # Lines ended by U+2028, U+0085 and "\r\n" too (str.splitlines counts them): numbers must agree.
    line = '  "日本 😀 é": "ça\u2028va",\n  "x\x85y": 1,\r\n'
    old = "{\n" + line * (WHOLE_BELOW // len(line.encode()) + 10) + '  "z": "ü"\n}\n'
    new = old.replace('"z": "ü"', '"z": "ü",\n  "bifrost": "新"')
    diff = list(unified_diff(old.encode(), new.encode(), "a", "b"))
    assert diff == reference(old, new)
    assert diff[2].startswith("@@ -") and '+  "bifrost": "新"' in diff


def test_small_bytes_and_text_agree() -> None:
    old, new = '{"a": "é"}\n', '{"a": "é",\n "b": "ß"}\n'
    assert list(unified_diff(old.encode(), new.encode(), "a", "b")) == reference(old, new)
    assert list(unified_diff(old, new, "a", "b")) == reference(old, new)


def test_bytes_that_are_not_utf8_are_shown_not_fatal() -> None:
    diff = list(unified_diff(b'{"a": "\xff"}\n', b'{"a": 1}\n', "a", "b"))
    assert diff[-2:] == ['-{"a": "\ufffd"}', '+{"a": 1}']
