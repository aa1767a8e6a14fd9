"""Properties of the merge for Claude Desktop's library index, ``configLibrary/_meta.json``.

cbcfg owns one item of the ``entries`` list (by its ``id``, never by position) and ``appliedId``.
Documents: any number of foreign configurations (ids never cbcfg's, extra fields of every JSON
type), unknown top-level keys before and after, one formatting style per document (json.dumps with
an indent of none, 2, 4 or a tab, compact or spaced separators, CRLF or not).

Invariants:
- every foreign entry and every unknown top-level member keeps its exact text (byte for byte);
- the result is strict JSON with cbcfg's entry once and applied;
- apply is idempotent;
- releasing what cbcfg owns gives back the original bytes (when the file had no appliedId of its own).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_bifrost_cfg.desired import desktop_library_fragment
from claude_bifrost_cfg.jsondoc import parse_document
from claude_bifrost_cfg.plan import plan_file
from claude_bifrost_cfg.vocabulary import DESKTOP_CONFIG_ID
from tests.support.text_plan import as_text
from tests.test_desired import rendered

EXAMPLES = 150  # small: the shapes are few; tests/adversarial/test_merge_properties.py covers objects

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.text(max_size=8))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)
_ids = st.text(alphabet="abcdef0123456789-", min_size=1, max_size=12).filter(lambda i: i != DESKTOP_CONFIG_ID)
_entry = st.builds(
    lambda id_, name, extra: {"id": id_, "name": name, **{k: v for k, v in extra.items() if k not in ("id", "name")}},
    _ids,
    st.text(max_size=10),
    st.dictionaries(st.text(min_size=1, max_size=6), _values, max_size=2),
)
_entries = st.lists(_entry, max_size=4, unique_by=lambda e: e["id"])
_extra_keys = st.dictionaries(
    st.text(min_size=1, max_size=6).filter(lambda k: k not in ("entries", "appliedId")), _values, max_size=2
)
_style = st.tuples(st.sampled_from([None, 2, 4, "\t"]), st.booleans(), st.booleans(), st.booleans())


def _render(document: dict[str, Any], style: tuple[Any, bool, bool, bool]) -> str:
    indent, compact, crlf, ascii_only = style
    separators = (",", ":") if compact else ((",", ": ") if indent is not None else (", ", ": "))
    text = json.dumps(document, indent=indent, separators=separators, ensure_ascii=ascii_only)
    return text.replace("\n", "\r\n") if crlf else text


def _texts(document: Any, style: tuple[Any, bool, bool, bool], indent_level: int) -> list[str]:
    """How each value renders inside the document (json.dumps is consistent), for the span checks."""
    texts = []
    for value in document:
        text = json.dumps(
            value,
            indent=style[0],
            separators=(",", ":") if style[1] else ((",", ": ") if style[0] is not None else (", ", ": ")),
            ensure_ascii=style[3],
        )
        if style[0] is not None:
            unit = style[0] if isinstance(style[0], str) else " " * style[0]
            text = text.replace("\n", "\n" + unit * indent_level)
        texts.append(text.replace("\n", "\r\n") if style[2] else text)
    return texts


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(entries=_entries, before=_extra_keys, after=_extra_keys, style=_style, applied=st.booleans())
def test_meta_merge_keeps_every_foreign_byte(
    entries: list[dict[str, Any]],
    before: dict[str, Any],
    after: dict[str, Any],
    style: tuple[Any, bool, bool, bool],
    applied: bool,
) -> None:
    document: dict[str, Any] = dict(before)
    if applied and entries:
        document["appliedId"] = entries[0]["id"]
    document["entries"] = entries
    document.update({k: v for k, v in after.items() if k not in document})
    original = _render(document, style)
    fragment = desktop_library_fragment(rendered("local"))

    parsed = parse_document(original)
    plan = as_text(plan_file("desktop-library", "local", parsed, parsed.values, fragment.wanted, None))
    assert plan.after is not None
    result = json.loads(plan.after)
    assert result["appliedId"] == DESKTOP_CONFIG_ID
    assert [e for e in result["entries"] if e.get("id") == DESKTOP_CONFIG_ID] == [
        {"id": DESKTOP_CONFIG_ID, "name": "Bifrost (cbcfg)"}
    ]
    assert [e for e in result["entries"] if e.get("id") != DESKTOP_CONFIG_ID] == entries
    for text in _texts(entries, style, 2):  # each foreign configuration, byte for byte
        assert text in plan.after
    for key in {*before, *after} - {"entries", "appliedId"}:
        assert result[key] == document[key]
        (member_text,) = _texts([{key: document[key]}], style, 0)
        inner = member_text[1:-1].strip("\r\n \t")
        if style[0] is None:
            assert inner in plan.after

    again = parse_document(plan.after)
    second = as_text(plan_file("desktop-library", "local", again, again.values, fragment.wanted, plan.record))
    assert second.after == plan.after  # idempotent

    released = as_text(plan_file("desktop-library", "local", again, again.values, {}, plan.record))
    if not applied or not entries:
        assert released.after == original  # nothing of cbcfg's left, every byte back
    else:
        assert json.loads(released.after or "") == {k: v for k, v in document.items() if k != "appliedId"}
