"""Properties of the merge, on generated documents, fragments and ownership records.

Documents: nested objects and arrays, unicode keys (with '/', '~', quotes, escapes), big integers,
float spellings (1e5, 1.5E-3), nulls, deep nesting; one formatting style per document (indent unit,
LF or CRLF, colon spacing, compact or pretty, ASCII escapes or not, trailing newline or not).
Fragments: pointers into existing members, new members under existing objects, new objects; values
of every JSON type. Fragments A and B draw from one ordered pool, as profiles render in one order.

Invariants:
- every member cbcfg does not own keeps its exact text (its span, byte for byte);
- every owned key ends as wanted, or is reported as drift; the result is strict JSON;
- apply is idempotent (a second plan changes nothing);
- apply A then B equals a direct apply of B (byte-identical), once the keys A claimed and B does
  not want are released;
- parsing only the members a plan needs (as for the 50 MB ~/.claude.json) plans the same bytes;
- rollback (engine + restore, real files) restores the original bytes and records.

Known limits of the generators: an empty object is written "{}" (as JSON.stringify and json.dumps
write it: a hand-typed "{ }" that cbcfg fills and empties again comes back as "{}"), and one
document uses one style (cbcfg copies the style of the file's first member for what it adds).

Example counts (CI, derandomized): see EXAMPLES; they add up to TOTAL_EXAMPLES.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from claude_bifrost_cfg.backups import find_backup_set
from claude_bifrost_cfg.current import PlannedFile, plan_current, read_current
from claude_bifrost_cfg.desired import Fragment
from claude_bifrost_cfg.engine import commit
from claude_bifrost_cfg.jsondoc import (
    Edit,
    JsonDocError,
    apply_edits,
    get_at,
    parse_document,
    path_to_pointer,
    pointer_to_path,
    scan_object,
)
from claude_bifrost_cfg.layout import Platform, Roots, resolve_layout
from claude_bifrost_cfg.plan import Record, digest, plan_file, top_level_keys
from claude_bifrost_cfg.restore import restore_backup_set
from claude_bifrost_cfg.targets.base import Target
from claude_bifrost_cfg.transaction import load_records
from tests.support.text_plan import TextPlan, as_text

EXAMPLES = {"single apply": 4400, "A then B": 3000, "drift": 2000, "rollback": 600}
TOTAL_EXAMPLES = sum(EXAMPLES.values())
assert TOTAL_EXAMPLES >= 10_000


def profile(name: str) -> settings:
    return settings(settings.get_profile("cbcfg-adversarial"), max_examples=EXAMPLES[name])


# --- documents ----------------------------------------------------------------------------------

# Small alphabets keep generation cheap (it, not cbcfg, dominates the run time) and still reach
# what matters: pointer escapes ('/', '~'), JSON escapes, non-ASCII, line separators, emoji.
ALPHABET = 'ab0/~"\\\u00fc\u20ac\u2028\U0001f600 \t'
KEY = st.text(ALPHABET, max_size=3) | st.sampled_from(["env", "mcpServers", "ANTHROPIC_BASE_URL", "a/b", "~1"])
FLOAT = st.floats(allow_nan=False, allow_infinity=False)
LEAF = st.none() | st.booleans() | st.integers(-(10**40), 10**40) | FLOAT | st.text(ALPHABET, max_size=4)
NESTED = LEAF | st.lists(LEAF, max_size=3) | st.dictionaries(KEY, LEAF, max_size=3)
VALUE = LEAF | st.lists(NESTED, max_size=2) | st.dictionaries(KEY, NESTED, max_size=3)  # three levels; see Deep
# What profiles set (scalars, strings, small objects like an MCP entry), picked by number: drawing
# these fresh for every pointer cost more than all the merging, and kept the draws' shape data-
# dependent (so hypothesis threw away a fifth of its examples).
WANTED: tuple[Any, ...] = (
    "http://localhost:8080/anthropic",
    "sk-bf-0123456789abcdef",
    "",
    'ü€\u2028😀"\\/',
    0,
    -1,
    10**30,
    1.5,
    -0.0,
    1e-7,
    True,
    False,
    None,
    [],
    {},
    ["Bash(ls:*)", "Read"],
    {"type": "http", "url": "http://127.0.0.1:8080/mcp", "headers": {"Authorization": "Bearer sk-bf-x"}},
    {"command": "npx", "args": ["-y", "mcp-remote"], "env": {"AUTH_HEADER": "Bearer x"}},
    {"nested": {"deeper": {"deepest": [1, {"a": None}]}}},
    {"a/b": 1, "~0": 2, "": 3},
)
SLOTS = 5  # pointers in a pool, at most; every draw below has this fixed shape


@dataclass(frozen=True)
class Style:
    unit: str  # "" = compact
    newline: str
    colon: str
    comma: str  # compact only
    ascii: bool
    floats: str
    lead: str
    final_newline: bool


# Every combination, drawn as one choice (eight separate draws cost more than the whole merge).
STYLES = st.sampled_from(
    [
        Style(unit, newline, colon, comma, ascii, floats, lead, final)
        for unit in ("", "  ", "    ", "\t", " ")
        for newline in ("\n", "\r\n")
        for colon in (": ", ":", " : ")
        for comma in (",", ", ")
        for ascii in (False, True)
        for floats in ("repr", "e", "E")
        for lead in ("", "\n")
        for final in (True, False)
    ]
)


def dump(value: Any, style: Style, depth: int = 0) -> str:
    """JSON text the way some editor or tool might have written it."""
    if isinstance(value, dict | list):
        if not value:
            return "{}" if isinstance(value, dict) else "[]"
        if isinstance(value, dict):
            items = [
                json.dumps(k, ensure_ascii=style.ascii) + style.colon + dump(v, style, depth + 1)
                for k, v in value.items()
            ]
            opening, closing = "{", "}"
        else:
            items = [dump(v, style, depth + 1) for v in value]
            opening, closing = "[", "]"
        if not style.unit:
            return opening + style.comma.join(items) + closing
        inner = style.newline + style.unit * (depth + 1)
        return opening + inner + ("," + inner).join(items) + style.newline + style.unit * depth + closing
    if isinstance(value, Deep):
        return value.text(style)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value) if style.floats == "repr" else format(value, ".17" + style.floats)  # round-trips
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=style.ascii)


@dataclass(frozen=True)
class Deep:
    """A value nested ``depth`` levels (objects and arrays in turn), written without recursion."""

    depth: int

    def text(self, style: Style) -> str:
        opening = "".join("[" if level % 2 else '{"d"' + style.colon for level in reversed(range(self.depth)))
        return opening + "1" + "".join("]" if level % 2 else "}" for level in range(self.depth))


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    tree: dict[str, Any] = draw(st.dictionaries(KEY, VALUE, max_size=4))
    depth = draw(st.integers(0, 3000))  # one document in ten holds a member 10 to 300 levels deep
    if 10 <= depth <= 300:
        tree["deep"] = Deep(depth)
    style = draw(STYLES)
    text = style.lead + dump(tree, style) + (style.newline if style.final_newline else "")
    return text, json.loads(text)  # the text is the truth (-0.0 and 0 spelled as written)


# --- fragments ----------------------------------------------------------------------------------


def object_paths(tree: Any, path: tuple[str, ...] = (), depth: int = 0) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, value) of every object member, walking objects only (cbcfg never owns array items)."""
    if not isinstance(tree, dict) or depth > 3:
        return
    for key, value in tree.items():
        yield (*path, key), value
        yield from object_paths(value, (*path, key), depth + 1)


# Keys for new members: the awkward ones (pointer escapes, JSON escapes, non-ASCII, empty).
NEW_KEYS = ("n", "", "a/b", "~0", "~1x", "\u00fc", "\U0001f600", "\u2028", '"', "\\", "env", "0", "ANTHROPIC_API_KEY")


@st.composite
def pools(draw: st.DrawFn, tree: dict[str, Any]) -> list[tuple[str, ...]]:
    """Pointers a profile could own here, prefix-free, in one fixed order: existing members, new
    members of existing objects, new objects. One number per pointer picks kind, place and key."""
    members = [path for path, _ in object_paths(tree)]
    parents = [()] + [path for path, value in object_paths(tree) if isinstance(value, dict)]
    pool: list[tuple[str, ...]] = []
    for number in draw(st.lists(st.integers(0, 4 * 64 * len(NEW_KEYS) - 1), min_size=1, max_size=SLOTS)):
        kind, rest = number % 4, number // 4
        index, key = rest // len(NEW_KEYS), NEW_KEYS[rest % len(NEW_KEYS)]
        if kind == 0 and members:
            path = members[index % len(members)]
        elif kind <= 1:
            path = (*parents[index % len(parents)], key)
        elif kind == 2:
            path = (("env", "mcpServers")[index % 2], key)
        else:
            path = (key, "k" + str(index % 3))  # a new object with a key in it
        if all(path[: len(p)] != p and p[: len(path)] != path for p in pool):
            pool.append(path)
    return sorted(pool)  # the keys of one object together, as render_profile emits them


@st.composite
def fragments(
    draw: st.DrawFn, pool: list[tuple[str, ...]], tree: dict[str, Any], like: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Some of the pool, in pool order; values new, or what the document holds, or (B) what A wanted."""
    wanted: dict[str, Any] = {}
    numbers = draw(st.lists(st.integers(0, 4 * len(WANTED) - 1), min_size=SLOTS, max_size=SLOTS))
    for path, number in zip(pool, numbers, strict=False):
        how, value = number % 4, WANTED[number // 4]
        pointer = path_to_pointer(path)
        found, current = get_at(tree, pointer)
        if how == 0:
            continue
        if how == 2 and found:
            wanted[pointer] = current
        elif how == 3 and like is not None and pointer in like:
            wanted[pointer] = like[pointer]
        else:
            wanted[pointer] = value
    return wanted


def blocked(tree: dict[str, Any], pointer: str) -> bool:
    """A proper prefix of the pointer exists and is not an object: cbcfg must refuse, not clobber."""
    node: Any = tree
    for part in pointer_to_path(pointer)[:-1]:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
        if not isinstance(node, dict):
            return True
    return False


# --- the oracle: member spans, checked against an independent json.loads ---------------------------


def member_spans(text: str) -> dict[str, str]:
    """pointer -> exact text of every object member (key through value), at every depth."""
    spans: dict[str, str] = {}
    text = text.encode("utf-8").decode("latin-1")  # scan_object reads a byte view (jsondoc)
    start = len(text) - len(text.lstrip(" \t\r\n"))
    stack = [(start, "")]
    while stack:
        at, pointer = stack.pop()
        span, _ = scan_object(text, at, pointer, keep={})
        for member in span.members:
            member_pointer = pointer + path_to_pointer((member.key,))
            spans[member_pointer] = text[member.key_start : member.value_end].encode("latin-1").decode("utf-8")
            if text[member.value_start] == "{":
                stack.append((member.value_start, member_pointer))
    return spans


def check_spans_are_true(text: str, spans: Mapping[str, str]) -> None:
    tree = json.loads(text)
    for pointer, span in spans.items():
        parts = pointer_to_path(pointer)
        assert json.loads("{" + span + "}") == {parts[-1]: get_at(tree, pointer)[1]}


def touches(pointer: str, owned: set[str]) -> bool:
    return any(pointer == o or o.startswith(pointer + "/") or pointer.startswith(o + "/") for o in owned)


def assert_foreign_kept(before: str, after: str, owned: set[str]) -> None:
    old, new = member_spans(before), member_spans(after)
    check_spans_are_true(after, new)
    foreign_old = {p: s for p, s in old.items() if not touches(p, owned)}
    foreign_new = {p: s for p, s in new.items() if not touches(p, owned)}
    assert foreign_new == foreign_old
    assert before[: len(before) - len(before.lstrip())] == after[: len(after) - len(after.lstrip())]


def strict_tree(text: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        assert len({k for k, _ in pairs}) == len(pairs), "duplicate key"
        return dict(pairs)

    parse_document(text)
    return json.loads(text, object_pairs_hook=no_duplicates)


def plan(text: str, wanted: Mapping[str, Any], previous: Record | None, force: bool = False) -> TextPlan:
    document = parse_document(text)
    return as_text(plan_file("property", "p", document, document.values, wanted, previous, force))


# --- properties ----------------------------------------------------------------------------------


@profile("single apply")
@given(st.data())
def test_apply_keeps_every_foreign_byte_and_sets_what_it_owns(data: st.DataObject) -> None:
    text, tree = data.draw(documents())
    wanted = data.draw(fragments(data.draw(pools(tree)), tree))
    if any(blocked(tree, pointer) for pointer in wanted if not get_at(tree, pointer)[0]):
        try:
            plan(text, wanted, None)
        except JsonDocError as exc:
            assert "needs an object there" in str(exc)
            event("refused: a value in the way")
            return
        raise AssertionError("a value in the way was overwritten instead of refused")
    result = plan(text, wanted, None)
    assert result.after is not None
    after_tree = strict_tree(result.after)
    assert_foreign_kept(text, result.after, set(wanted))
    for pointer, value in wanted.items():
        assert digest(get_at(after_tree, pointer)[1]) == digest(value), pointer
    assert result.changed == any(
        get_at(tree, p)[0] is False or digest(get_at(tree, p)[1]) != digest(v) for p, v in wanted.items()
    )
    if not result.changed:
        assert result.after == text

    again = plan(result.after, wanted, result.record)  # apply∘apply = apply
    assert again.after == result.after and not again.changes and not again.drift
    assert again.record == result.record

    needed = top_level_keys(wanted)  # as for ~/.claude.json: only the members the plan reaches
    document = parse_document(text, needed)
    partial = plan_file("property", "p", document, document.values, wanted, None)
    assert as_text(partial).after == result.after


@profile("A then B")
@given(st.data())
def test_apply_a_then_b_equals_a_direct_apply_of_b(data: st.DataObject) -> None:
    text, tree = data.draw(documents())
    pool = data.draw(pools(tree))
    if any(blocked(tree, path_to_pointer(path)) for path in pool):
        event("refused: a value in the way")
        return  # refused for A or B: the single-apply property covers it
    a = data.draw(fragments(pool, tree))
    b = data.draw(fragments(pool, tree, like=a))
    first = plan(text, a, None)
    assert first.after is not None
    switched = plan(first.after, b, first.record)
    assert switched.after is not None and not switched.drift

    # Keys A claimed that B does not want are released: removed, whoever had them before. So the
    # direct apply is compared once those keys are removed from its result too.
    released = [p for p in a if p not in b and get_at(tree, p)[0]]
    direct = plan(text, b, None)
    assert direct.after is not None
    if released:
        direct_after = apply_edits(parse_document(direct.after), [Edit(p, remove=True) for p in released]).decode()
        direct = plan(direct_after, b, direct.record)
    # A value A overwrote and B sets back to what the file had: the direct apply keeps the user's
    # spelling of it ([1,2] stays [1,2]); by way of A, cbcfg writes it in its own ([1, 2]).
    respelled = any(p in b and get_at(tree, p) == (True, b[p]) and digest(a[p]) != digest(b[p]) for p in a)
    if respelled:
        assert strict_tree(switched.after or "") == strict_tree(direct.after or "")
    else:
        assert switched.after == direct.after
    assert switched.record.owned == direct.record.owned
    assert set(switched.record.containers) == set(direct.record.containers)
    assert_foreign_kept(text, switched.after, set(a) | set(b))

    back = plan(switched.after, a, switched.record)  # and back to A: A's bytes again
    assert not back.drift
    respelled_back = any(p in a and get_at(tree, p) == (True, a[p]) and digest(b[p]) != digest(a[p]) for p in b)
    if not released and not respelled_back and not any(p not in a and get_at(tree, p)[0] for p in b):
        assert back.after == first.after


@profile("drift")
@given(st.data())
def test_owned_keys_end_as_wanted_or_are_reported_as_drift(data: st.DataObject) -> None:
    text, tree = data.draw(documents())
    pool = data.draw(pools(tree))
    if any(blocked(tree, path_to_pointer(path)) for path in pool):
        event("refused: a value in the way")
        return
    a = data.draw(fragments(pool, tree))
    first = plan(text, a, None)
    assert first.after is not None
    # The user (or Claude) edits some of what cbcfg set: a new value, or the key removed.
    edits = []
    numbers = data.draw(st.lists(st.integers(0, 4 * len(WANTED) - 1), min_size=SLOTS, max_size=SLOTS))
    for pointer, number in zip(a, numbers, strict=False):
        how, value = number % 4, WANTED[number // 4]  # keep, keep, change, remove
        if how == 2:
            edits.append(Edit(pointer, value))
        elif how == 3:
            edits.append(Edit(pointer, remove=True))
    edited = apply_edits(parse_document(first.after), edits).decode() if edits else first.after
    first_tree = strict_tree(first.after)
    edited_tree = strict_tree(edited)
    b = data.draw(fragments(pool, tree, like=a))
    result = plan(edited, b, first.record)
    assert result.after is not None
    after_tree = strict_tree(result.after)
    drifted = {d.pointer for d in result.drift}
    for pointer, value in b.items():
        now = get_at(after_tree, pointer)
        if pointer in drifted:
            assert now == get_at(edited_tree, pointer), "a drifted key was touched"
        else:
            assert now[0] and digest(now[1]) == digest(value), pointer
    for pointer in a:
        if pointer not in b and pointer not in drifted:
            assert not get_at(after_tree, pointer)[0], "a released key was left behind"
        now = get_at(edited_tree, pointer)
        was_edited = digest(now) != digest(get_at(first_tree, pointer))
        # Drift: the user's value, still there, is neither what cbcfg set nor what it wants now; or, for
        # a key cbcfg no longer wants, a changed one. A removed one is restored if wanted, else gone
        # (issue 12 item 4: a deleted owned key is no longer drift).
        wants = (True, b[pointer]) if pointer in b else None
        expected = was_edited and now[0] and (digest(now) != digest(wants) if wants else True)
        assert (pointer in drifted) == expected, pointer
    assert_foreign_kept(edited, result.after, set(a) | set(b))

    forced = plan(edited, b, first.record, force=True)
    assert forced.after is not None and not forced.drift
    forced_tree = strict_tree(forced.after)
    for pointer, value in b.items():
        assert digest(get_at(forced_tree, pointer)[1]) == digest(value)


# --- rollback through the engine, on real files ----------------------------------------------------


# Real files, on a memory file system where there is one: this property is about bytes and records,
# not durability (test_crash_safety.py is), and a thousand rounds of fsync would cost half a minute.
MEMORY_DISK = "/dev/shm" if Path("/dev/shm").is_dir() else None


def _target(wanted: Mapping[str, Any]) -> Target:
    return Target(
        name="property",
        description="a generated document",
        scope="user",
        location="user_settings",
        builder=lambda source: Fragment(dict(wanted)),
        check_owned=lambda document, fragment: [],
    )


def _apply(home: Path, wanted: Mapping[str, Any], profile_name: str) -> str | None:
    layout = resolve_layout(Roots(Platform.LINUX, home, home, home, home_overridden=True), {})
    target = _target(wanted)
    path = target.path(layout)
    records = load_records(layout.state_dir)
    previous = records.get(str(path))
    current = read_current(target, path, home, None)
    item: PlannedFile = plan_current(current, Fragment(dict(wanted)), previous, profile_name, force=False)
    committed = commit(layout, [item], f"apply {profile_name}", profile_name, force=False, lock_timeout=5)
    return committed.backup.id if committed.backup else None


@profile("rollback")
@given(st.data())
def test_rollback_restores_the_original_bytes(data: st.DataObject) -> None:
    text, tree = data.draw(documents())
    pool = data.draw(pools(tree))
    if any(blocked(tree, path_to_pointer(path)) for path in pool):
        event("refused: a value in the way")
        return
    a = data.draw(fragments(pool, tree))
    b = data.draw(fragments(pool, tree, like=a))
    with tempfile.TemporaryDirectory(dir=MEMORY_DISK) as scratch:
        home = Path(scratch)
        layout = resolve_layout(Roots(Platform.LINUX, home, home, home, home_overridden=True), {})
        doc = home / ".claude" / "settings.json"
        doc.parent.mkdir()
        original = text.encode("utf-8")
        doc.write_bytes(original)
        set_a = _apply(home, a, "a")
        after_a = doc.read_bytes()
        records_a = load_records(layout.state_dir)
        set_b = _apply(home, b, "b")
        if set_b is not None:
            restore_backup_set(layout, find_backup_set(layout.state_dir, set_b), 5)
            assert doc.read_bytes() == after_a
            assert load_records(layout.state_dir) == records_a
        if set_a is not None:
            restore_backup_set(layout, find_backup_set(layout.state_dir, set_a), 5)
        assert doc.read_bytes() == original
        if set_a is not None:
            assert load_records(layout.state_dir) == {}
