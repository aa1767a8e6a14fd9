"""Format-preserving JSON documents.

cbcfg never re-serialises a whole file: it locates the members it owns by their byte spans and
splices new text in, so every byte it does not own (key order, indentation, number spelling, escapes,
CRLF, the trailing newline) stays exactly as it was. Parsing uses the C scanner of the standard
library for every value, so a 50 MB ``~/.claude.json`` costs about one ``json.loads``.

Documents are bytes end to end. The scanner reads a *view* of them, ``data.decode("latin-1")``: one
character a byte (so a character index is a byte offset, and the view costs the file's size even when
one emoji would make a decoded ``str`` store every character in 4 bytes). JSON's structure is ASCII and
every byte of a UTF-8 multibyte sequence is >= 0x80, so the scanner validates structure exactly on the
view; UTF-8 itself is checked apart, a MB at a time. What the view decodes wrongly (non-ASCII text) is
never kept: the values cbcfg keeps, and non-ASCII keys, are decoded again from their exact bytes, and
a duplicate-key verdict the view cannot give exactly is taken on the exact text of that value.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_LAST_INDENT = re.compile(r"[ \t]*\Z")
_BOM = b"\xef\xbb\xbf"


class JsonDocError(ValueError):
    """The text is not a JSON document cbcfg can edit safely."""

    def __init__(self, message: str, text: str = "", pos: int | None = None, pointer: str = "") -> None:
        self.reason = message
        self.pointer = pointer
        self.line: int | None = None
        self.column: int | None = None
        if pos is not None:  # ``text`` is a document's view: a character a byte; columns count characters
            self.line = text.count("\n", 0, pos) + 1
            line_start = text.rfind("\n", 0, pos) + 1
            self.column = len(text[line_start:pos].encode("latin-1").decode("utf-8", "replace")) + 1
        super().__init__(self.where() + message)

    def where(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line} column {self.column}")
        if self.pointer:
            parts.append(f"key {self.pointer}")
        return (", ".join(parts) + ": ") if parts else ""


class NotUtf8Error(JsonDocError):
    """The bytes are not UTF-8: where, as a line and a byte offset."""

    def __init__(self, data: bytes, at: int) -> None:
        self.byte = at
        line = data.count(b"\n", 0, at) + 1
        super().__init__(f"not valid UTF-8 (byte {at})")
        self.line = line
        self.args = (f"line {line}: not valid UTF-8 (byte {at})",)

    def __str__(self) -> str:
        return str(self.args[0])


_UTF8_STEP = 1 << 20


def check_utf8(data: bytes) -> None:
    """Refuse bytes that are not UTF-8, decoding a MB at a time (never the whole text at once)."""
    if data.isascii():
        return
    view = memoryview(data)
    at = 0
    while at < len(data):
        end = min(at + _UTF8_STEP, len(data))
        try:
            _, used = codecs.utf_8_decode(view[at:end], "strict", end == len(data))
        except UnicodeDecodeError as exc:
            raise NotUtf8Error(data, at + exc.start) from None
        at += used


# --- JSON pointers (RFC 6901) -------------------------------------------------------------------


def pointer_to_path(pointer: str) -> tuple[str, ...]:
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/"))


def path_to_pointer(path: Iterable[str]) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in path)


# An item of a list of objects, named by one of its fields: "[id=X]" (cbcfg owns array items
# only this way, never by index, so another writer's items may come and go around it).
_ITEM = re.compile(r"\[([^=\]]+)=(.*)\]\Z", re.DOTALL)


def item_segment(field_name: str, value: str) -> str:
    """The pointer segment of the list item whose ``field_name`` is ``value``."""
    return f"[{field_name}={value}]"


def _item_key(segment: str) -> tuple[str, str] | None:
    match = _ITEM.match(segment)
    return (match.group(1), match.group(2)) if match else None


def _item_index(items: Sequence[Any], key: tuple[str, str]) -> int | None:
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get(key[0]) == key[1]:
            return index
    return None


def get_at(document: Any, pointer: str) -> tuple[bool, Any]:
    """(found, value) at a pointer; objects are walked by key, lists only by an item segment."""
    node = document
    for part in pointer_to_path(pointer):
        if isinstance(node, list):
            key = _item_key(part)
            index = _item_index(node, key) if key else None
            if index is None:
                return False, None
            node = node[index]
            continue
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def with_lists(value: Any) -> Any:
    """A tree built from pointers, with every object whose keys are all item segments turned into
    the list of those items (each holding its naming field)."""
    if not isinstance(value, dict):
        return value
    keys = [_item_key(key) for key in value]
    if value and all(keys):
        items = []
        for key, item in zip(keys, value.values(), strict=True):
            assert key is not None
            item = with_lists(item)
            items.append({key[0]: key[1], **item} if isinstance(item, dict) else item)
        return items
    return {key: with_lists(item) for key, item in value.items()}


# --- scanning -----------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return result


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
_duplicates_in_view: list[bool] = []  # set by the view's hook: this value needs the exact verdict


def _pairs_in_view(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The view's keys may be mojibake: a duplicate there is only a reason to judge exactly."""
    result = dict(pairs)
    if len(result) != len(pairs):
        _duplicates_in_view.append(True)
    return result


_scan_value = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_pairs_in_view).raw_decode
_HIGH = re.compile("[\x80-\xff]")  # a byte of a UTF-8 multibyte sequence, in the view
_HIGH_ESCAPE = re.compile(r"\\u(?!00[0-7])")  # an escape that may stand for a non-ASCII character


def _exact_text(text: str, start: int, end: int) -> str:
    """The real text of the view's ``start``..``end`` (the bytes were checked to be UTF-8)."""
    return text[start:end].encode("latin-1").decode("utf-8")


def _key_at(text: str, start: int) -> tuple[str, int]:
    """The key whose opening quote is at ``start``, exactly, and where it ends. A key that reads as
    ASCII in the view is exact as read; any other is decoded again from its bytes."""
    key, end = json.decoder.scanstring(text, start + 1)  # type: ignore[attr-defined]
    if not key.isascii():
        key = json.decoder.scanstring(_exact_text(text, start, end), 1)[0]  # type: ignore[attr-defined]
    return key, end


@dataclass(frozen=True)
class Member:
    key: str
    key_start: int
    value_start: int
    value_end: int


@dataclass(frozen=True)
class ObjectSpan:
    start: int  # index of "{"
    end: int  # index just past "}"
    members: tuple[Member, ...]

    def find(self, key: str) -> Member | None:
        for member in self.members:
            if member.key == key:
                return member
        return None


def _skip_ws(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    assert match is not None
    return match.end()


def _problem(text: str, pos: int, expected: str) -> str:
    """What is wrong at ``pos``, in the words a user would search for."""
    if not text[pos:].strip():
        return "the file ends early (truncated?)"
    if text.startswith(("//", "/*"), pos):
        return "a comment: JSON files cannot hold comments"
    before = text[:pos].rstrip()
    if before.endswith(",") and text[pos] in "}]":
        return f"trailing comma before '{text[pos]}'"
    return expected


_TOO_MANY_DIGITS = re.compile(r"Exceeds the limit .* value has (\d+) digits")


def _decode_value(text: str, pos: int, pointer: str, exact: bool = True) -> tuple[Any, int]:
    """The value at ``pos`` of the view and where it ends, validated exactly. ``exact``: the value is
    kept, so it must be the real one (else it is only checked, and its decoded form dropped)."""
    _duplicates_in_view.clear()
    try:
        value, end = _scan_value(text, pos)
        # Keys the view cannot tell apart (or tells apart wrongly) need non-ASCII bytes in the value,
        # and, for a duplicate to be missed, an escape of a non-ASCII character.
        mixed = _HIGH_ESCAPE.search(text, pos, end) is not None and _HIGH.search(text, pos, end) is not None
        if _duplicates_in_view or mixed or (exact and _HIGH.search(text, pos, end)):
            value = _DECODER.decode(_exact_text(text, pos, end))
        return value, end
    except json.JSONDecodeError as exc:
        message = exc.msg.removesuffix(" at")  # "Unterminated string starting at": the position follows
        if message.startswith("Unterminated string") and '"' not in text[exc.pos + 1 :]:
            message = "the file ends early (truncated?)"
        message = _problem(text, exc.pos, message[:1].lower() + message[1:])
        raise JsonDocError(message, text, exc.pos, pointer) from None
    except RecursionError:
        raise JsonDocError("nested too deeply to read safely", text, pos, pointer) from None
    except ValueError as exc:  # NaN/Infinity, duplicate keys, integers too long to convert
        digits = _TOO_MANY_DIGITS.search(str(exc))
        message = f"an integer too long to read ({digits.group(1)} digits)" if digits else str(exc)
        raise JsonDocError(message, text, pos, pointer) from None


# How many levels of a member cbcfg does not read are walked member by member (below that, the C
# decoder checks each value whole): a 40 MB "projects" is never one tree of ten times its size, and
# one level is also the fastest (deeper, Python's loop costs more than the decoder saves).
SKIM_DEPTH = 1


def _skip_value(text: str, pos: int, pointer: str, depth: int = SKIM_DEPTH) -> int:
    """Check the value at ``pos`` as the decoder would and return where it ends, holding at most one
    of its members decoded at a time."""
    if depth and pos < len(text) and text[pos] in "{[":
        try:
            return _skim_container(text, pos, depth)
        except (JsonDocError, RecursionError):
            pass  # below, the decoder says what is wrong, in its own words
    _, end = _decode_value(text, pos, pointer, exact=False)
    return end


def _skim_container(text: str, start: int, depth: int) -> int:
    close = "}" if text[start] == "{" else "]"
    seen: set[str] = set()
    pos = _skip_ws(text, start + 1)
    if pos < len(text) and text[pos] == close:
        return pos + 1
    while True:
        if close == "}":
            if pos >= len(text) or text[pos] != '"':
                raise JsonDocError("expected a quoted key")
            try:
                key, pos = _key_at(text, pos)
            except json.JSONDecodeError:
                raise JsonDocError("bad key") from None
            if key in seen:
                raise JsonDocError("duplicate key")
            seen.add(key)
            pos = _skip_ws(text, pos)
            if pos >= len(text) or text[pos] != ":":
                raise JsonDocError("expected ':'")
            pos = _skip_ws(text, pos + 1)
        pos = _skip_ws(text, _skip_value(text, pos, "", depth - 1))
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
            if pos < len(text) and text[pos] == close:
                raise JsonDocError("trailing comma")
            continue
        if pos < len(text) and text[pos] == close:
            return pos + 1
        raise JsonDocError("expected ',' or a closing bracket")


def scan_object(
    text: str, start: int, pointer: str = "", keep: Mapping[str, Any] | None = None
) -> tuple[ObjectSpan, dict[str, Any]]:
    """Scan the object at ``start`` of a view: member spans, and the decoded values of members in
    ``keep`` (all members when ``keep`` is None). Every value is fully validated either way."""
    if start >= len(text) or text[start] != "{":
        raise JsonDocError("expected an object", text, start, pointer)
    members: list[Member] = []
    values: dict[str, Any] = {}
    seen: set[str] = set()
    pos = _skip_ws(text, start + 1)
    if pos < len(text) and text[pos] == "}":
        return ObjectSpan(start, pos + 1, ()), values
    while True:
        if pos >= len(text) or text[pos] != '"':
            raise JsonDocError(_problem(text, pos, "expected a quoted key"), text, pos, pointer)
        key_start = pos
        try:
            key, pos = _key_at(text, pos)
        except json.JSONDecodeError as exc:
            raise JsonDocError(exc.msg, text, exc.pos, pointer) from None
        member_pointer = pointer + path_to_pointer((key,))
        if key in seen:
            raise JsonDocError(f"duplicate key {key!r}", text, key_start, member_pointer)
        seen.add(key)
        pos = _skip_ws(text, pos)
        if pos >= len(text) or text[pos] != ":":
            raise JsonDocError(_problem(text, pos, "expected ':' after a key"), text, pos, member_pointer)
        value_start = _skip_ws(text, pos + 1)
        if keep is None or key in keep:
            values[key], value_end = _decode_value(text, value_start, member_pointer)
        else:
            value_end = _skip_value(text, value_start, member_pointer)
        members.append(Member(key, key_start, value_start, value_end))
        pos = _skip_ws(text, value_end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
            if pos < len(text) and text[pos] == "}":
                raise JsonDocError("trailing comma before '}'", text, pos, pointer)
            continue
        if pos < len(text) and text[pos] == "}":
            return ObjectSpan(start, pos + 1, tuple(members)), values
        raise JsonDocError(_problem(text, pos, "expected ',' or '}'"), text, pos, pointer)


@dataclass
class Document:
    """A parsed JSON object document, its bytes kept for splicing (spans are byte offsets)."""

    data: bytes
    root: ObjectSpan
    values: dict[str, Any] = field(default_factory=dict)  # decoded top-level members asked for
    newline: str = "\n"
    empty_text: bool = False  # the file was empty or blank: read as {}
    kept: frozenset[str] | None = None  # the members ``values`` was asked to hold (None: all)


def parse_document(data: bytes | str, keep: Mapping[str, Any] | None = None) -> Document:
    """Parse UTF-8 bytes (or text, taken as its UTF-8) that must hold one JSON object. ``keep``
    limits which top-level values are kept decoded (the rest is validated and dropped, so huge
    foreign members cost no memory). Raises NotUtf8Error for bytes that are not UTF-8."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")  # a lone surrogate is refused as not UTF-8
    if data.startswith(_BOM):
        raise JsonDocError("starts with a byte order mark (BOM); save the file as UTF-8 without BOM")
    check_utf8(data)
    text = data.decode("latin-1")  # the view, dropped on return
    kept = None if keep is None else frozenset(keep)
    start = _skip_ws(text, 0)
    if start == len(text):  # an empty file (e.g. left by a crashed writer) holds nothing to lose
        return Document(data, ObjectSpan(0, 0, ()), {}, "\n", empty_text=True, kept=kept)
    if text[start] != "{":
        kind = "not an object" if text[start] not in '["tfn-0123456789' else _kind_of(text[start])
        message = _problem(text, start, f"the top level is {kind}; cbcfg needs a JSON object {{...}}")
        raise JsonDocError(message, text, start)
    root, values = scan_object(text, start, "", keep)
    end = _skip_ws(text, root.end)
    if end != len(text):
        raise JsonDocError("unexpected text after the closing '}'", text, end)
    newline = "\r\n" if b"\r\n" in data else "\n"
    return Document(data, root, values, newline, kept=kept)


# --- editing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """Set ``pointer`` to ``value``, or remove it when ``remove``."""

    pointer: str
    value: Any = None
    remove: bool = False


@dataclass(frozen=True)
class _Style:
    newline: str
    unit: str  # one level of indentation; "" for compact documents
    colon: str  # text between a key and its value


def _detect_style(document: Document, text: str) -> _Style:
    root = document.root
    if document.empty_text or not root.members:
        return _Style(document.newline, "  ", ": ")
    first = root.members[0]
    lead = text[root.start + 1 : first.key_start]
    unit = _LAST_INDENT.search(lead).group() if "\n" in lead else ""  # type: ignore[union-attr]
    if "\n" in lead and unit == "":
        unit = "  "
    _, key_end = json.decoder.scanstring(text, first.key_start + 1)  # type: ignore[attr-defined]
    colon = text[key_end : first.value_start]
    if "\n" in lead or text.find("\n", root.start, root.end) < 0:  # a one-line object, even with a final newline
        return _Style(document.newline, unit, colon or ": ")
    return _Style(document.newline, unit or "  ", colon or ": ")


def render_value(value: Any, style: _Style, indent: str) -> str:
    """JSON text for a value written at an object member whose line starts with ``indent``."""
    if not style.unit or not isinstance(value, dict | list) or not value:
        separators = (",", style.colon) if not style.unit else (", ", style.colon)
        return _dumps(value, separators=separators)
    rendered = _dumps(value, indent=style.unit, separators=(",", style.colon))
    return rendered.replace("\n", style.newline + indent)


def _dumps(value: Any, **options: Any) -> str:
    """JSON text with non-ASCII as is, unless it holds a lone surrogate (not UTF-8): then escaped."""
    rendered = json.dumps(value, ensure_ascii=False, **options)
    if not rendered.isascii():
        try:
            rendered.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(value, **options)
    return rendered


def _member_text(key: str, value: Any, style: _Style, indent: str) -> str:
    return _dumps(key) + style.colon + render_value(value, style, indent)


def _nest(edits: Iterable[tuple[tuple[str, ...], Edit]]) -> dict[str, list[tuple[tuple[str, ...], Edit]]]:
    grouped: dict[str, list[tuple[tuple[str, ...], Edit]]] = {}
    for path, edit in edits:
        grouped.setdefault(path[0], []).append((path[1:], edit))
    return grouped


def _build_value(edits: list[tuple[tuple[str, ...], Edit]]) -> tuple[bool, Any]:
    """A new value for a member that does not exist yet, from the edits below it."""
    result: dict[str, Any] = {}
    for path, edit in edits:
        if edit.remove:
            continue
        if not path:
            return True, edit.value
        node = result
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = edit.value
    return bool(result), with_lists(result)


def _edit_object(
    text: str,
    span: ObjectSpan,
    pointer: str,
    edits: list[tuple[tuple[str, ...], Edit]],
    prune: frozenset[str],
    style: _Style,
    indent: str,
    order: Sequence[tuple[str, ...]] = (),
    anchors: frozenset[str] = frozenset(),
) -> list[Piece]:
    """New text of the object at ``span`` with ``edits`` (paths relative to it) applied, as pieces.

    ``order`` lists the owned paths in the profile's order: a new member goes before the first
    existing one that cbcfg added (``anchors``: keys and objects it created) and that comes later
    in it, so reaching a state by way of another profile gives the same bytes as applying it
    directly. Members the file had before any profile are never anchors: they stay where they are
    and what cbcfg adds comes after them, whatever the profile."""
    grouped = _nest(edits)
    rank: dict[str, int] = {}
    for position, path in enumerate(order):
        if path:
            rank.setdefault(path[0], position)
    ours = {m.key for m in span.members if pointer + path_to_pointer((m.key,)) in anchors}
    members = span.members
    first_last = (members[0].key_start, members[-1].value_end) if members else None
    lead, trail, multiline, inner = _container_layout(text, span.start, span.end, first_last, style, indent)

    kept: list[tuple[int, list[Piece]]] = []  # (original index or -1, member text)
    for index, member in enumerate(members):
        below = grouped.pop(member.key, None)
        if below is None:
            kept.append((index, [(member.key_start, member.value_end)]))
            continue
        member_pointer = pointer + path_to_pointer((member.key,))
        whole = [edit for path, edit in below if not path]
        if whole:
            edit = whole[-1]
            if not edit.remove:
                value_text = render_value(edit.value, style, inner)
                kept.append((index, [(member.key_start, member.value_start), value_text]))
            continue
        if all(path and _item_key(path[0]) for path, _ in below):
            if text[member.value_start] != "[":
                kind = _kind_of(text[member.value_start]) if text[member.value_start] != "{" else "an object"
                raise JsonDocError(
                    f"is {kind}, but cbcfg writes an item in it and needs a list there",
                    text,
                    member.value_start,
                    member_pointer,
                )
            new_list = _edit_list(text, member.value_start, member_pointer, below, style, inner)
            if new_list == ["[]"] and member_pointer in prune:
                continue
            kept.append((index, [(member.key_start, member.value_start), *new_list]))
            continue
        if text[member.value_start] != "{":
            kind = _kind_of(text[member.value_start])
            raise JsonDocError(
                f"is {kind}, but cbcfg writes keys inside it and needs an object there",
                text,
                member.value_start,
                member_pointer,
            )
        child, _ = scan_object(text, member.value_start, member_pointer, keep={})
        below_order = [path[1:] for path in order if path[:1] == (member.key,)]
        new_child = _edit_object(text, child, member_pointer, below, prune, style, inner, below_order, anchors)
        if new_child == ["{}"] and member_pointer in prune:
            continue
        kept.append((index, [(member.key_start, member.value_start), *new_child]))

    items: list[tuple[int, list[Piece]]] = list(kept)  # (original index, or -1 for a new member)
    for key, below in grouped.items():
        present, value = _build_value(below)
        if not present:
            continue
        at = len(items)
        if key in rank:
            later = (
                i
                for i, (index, _) in enumerate(items)
                if index >= 0 and members[index].key in ours and rank.get(members[index].key, -1) > rank[key]
            )
            at = next(later, at)
        items.insert(at, (-1, [_member_text(key, value, style, inner)]))

    if not items:
        return ["{}"]
    sep_new = ("," + style.newline + inner) if multiline else ("," + (" " if style.unit else ""))
    if len(members) > 1 and not multiline:  # a one-line object: copy its own ", " or ","
        sep_new = text[members[0].value_end : members[1].key_start]
    pieces: list[Piece] = ["{", lead]
    previous: int | None = None
    for index, member_pieces in items:
        if previous is not None:
            if index < 0 or previous < 0:
                pieces.append(sep_new)
            elif index == previous + 1:
                pieces.append(text[members[previous].value_end : members[index].key_start])
            else:
                pieces.append(_separator_after(text, members, previous))
        pieces += member_pieces
        previous = index
    return [*pieces, trail, "}"]


def _scan_items(text: str, start: int, pointer: str) -> list[tuple[int, int, Any]]:
    """The items of the list at ``start``: (start, end, decoded value) each."""
    items: list[tuple[int, int, Any]] = []
    pos = _skip_ws(text, start + 1)
    if pos < len(text) and text[pos] == "]":
        return items
    while True:
        value, end = _decode_value(text, pos, pointer)
        items.append((pos, end, value))
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            return items
        raise JsonDocError(_problem(text, pos, "expected ',' or ']'"), text, pos, pointer)


def _container_layout(
    text: str, start: int, end: int, first_last: tuple[int, int] | None, style: _Style, indent: str
) -> tuple[str, str, bool, str]:
    """How an object or list at ``start``..``end`` lays its children out: the text before the first
    and after the last (``first_last``: where they start and end; None when empty), whether it is
    multiline, and a child's indent. An empty container takes the file's style."""
    if first_last is not None:
        lead = text[start + 1 : first_last[0]]
        trail = text[first_last[1] : end - 1]
        multiline = "\n" in lead
        inner = _LAST_INDENT.search(lead).group() if multiline else ""  # type: ignore[union-attr]
        return lead, trail, multiline, inner
    multiline = bool(style.unit)
    inner = indent + style.unit
    return (style.newline + inner if multiline else ""), (style.newline + indent if multiline else ""), multiline, inner


def _edit_list(
    text: str,
    start: int,
    pointer: str,
    edits: list[tuple[tuple[str, ...], Edit]],
    style: _Style,
    indent: str,
) -> list[Piece]:
    """New text of the list at ``start`` with whole-item ``edits`` (by item segment) applied: the
    other items and the separators between them kept byte for byte, a new item appended."""
    items = _scan_items(text, start, pointer)
    end = _skip_ws(text, items[-1][1]) + 1 if items else _skip_ws(text, start + 1) + 1
    first_last = (items[0][0], items[-1][1]) if items else None
    lead, trail, multiline, inner = _container_layout(text, start, end, first_last, style, indent)
    values = [value for _, _, value in items]
    replaced: dict[int, Edit] = {}
    added: list[Any] = []
    for path, edit in edits:
        key = _item_key(path[0])
        assert key is not None
        if len(path) != 1:
            raise ValueError(f"cbcfg owns list items whole, not {pointer}/{'/'.join(path)}")
        index = _item_index(values, key)
        if index is not None:
            replaced[index] = edit
        elif not edit.remove:
            added.append({key[0]: key[1], **edit.value} if isinstance(edit.value, dict) else edit.value)
    out: list[tuple[int, list[Piece]]] = []
    for index, (item_start, item_end, _) in enumerate(items):
        change = replaced.get(index)
        if change is None:
            out.append((index, [(item_start, item_end)]))
        elif not change.remove:
            out.append((index, [render_value(change.value, style, inner)]))
    out += [(-1, [render_value(value, style, inner)]) for value in added]
    if not out:
        return ["[]"]
    sep_new = ("," + style.newline + inner) if multiline else ("," + (" " if style.unit else ""))
    if len(items) > 1:
        sep_new = text[items[-2][1] : items[-1][0]]
    pieces: list[Piece] = ["[", lead]
    previous: int | None = None
    for index, item_pieces in out:
        if previous is not None:
            if index >= 0 and previous >= 0 and index == previous + 1:
                pieces.append((items[previous][1], items[index][0]))
            else:
                pieces.append(sep_new)
        pieces += item_pieces
        previous = index
    return [*pieces, trail, "]"]


def _separator_after(text: str, members: tuple[Member, ...], index: int) -> str:
    """The separator that followed member ``index`` (or preceded the last one)."""
    if index + 1 < len(members):
        return text[members[index].value_end : members[index + 1].key_start]
    return text[members[index - 1].value_end : members[index].key_start]


def _kind_of(first_char: str) -> str:
    return {"[": "a list", '"': "a string", "t": "a boolean", "f": "a boolean", "n": "null"}.get(first_char, "a number")


def apply_edits(
    document: Document,
    edits: Iterable[Edit],
    prune: Iterable[str] = (),
    order: Iterable[str] = (),
    anchors: Iterable[str] = (),
) -> bytes:
    """The document's bytes with ``edits`` applied; untouched bytes are kept exactly.

    ``prune`` names objects cbcfg created: they are removed when edits leave them empty.
    ``order``: every pointer cbcfg owns, in the profile's order (where new members are placed).
    ``anchors``: the members cbcfg added earlier (created objects and keys): new members are placed
    among these by ``order``, never among the file's own.
    """
    return edit_document(document, edits, prune, order, anchors).data


@dataclass(frozen=True)
class Merged:
    """Edited bytes, and where in them the values of top-level members copied untouched lie:
    (key, start, end) each, values already validated in the document they came from."""

    data: bytes
    verbatim: tuple[tuple[str, int, int], ...] = ()


def edit_document(
    document: Document,
    edits: Iterable[Edit],
    prune: Iterable[str] = (),
    order: Iterable[str] = (),
    anchors: Iterable[str] = (),
) -> Merged:
    """``apply_edits``, saying which top-level values were copied untouched (``check_merged``)."""
    paths = [(pointer_to_path(edit.pointer), edit) for edit in edits]
    if any(not path for path, _ in paths):
        raise ValueError("cbcfg never replaces a whole document")
    if document.empty_text:
        present, value = _build_value(paths)
        return Merged((_dumps(value if present else {}, indent=2) + "\n").encode("utf-8"))
    text = document.data.decode("latin-1")  # the view, dropped before the result is built
    style = _detect_style(document, text)
    root = document.root
    ordered = [pointer_to_path(pointer) for pointer in order]
    new_root = _edit_object(text, root, "", paths, frozenset(prune), style, "", ordered, frozenset(anchors))
    del text
    untouched = {(member.key_start, member.value_end): member for member in root.members}
    kept = memoryview(document.data)
    buffers: list[memoryview | bytes] = []
    verbatim: list[tuple[str, int, int]] = []
    at = 0
    for piece in [(0, root.start), *new_root, (root.end, len(document.data))]:
        if isinstance(piece, str):
            buffers.append(piece.encode("utf-8"))
        else:
            buffers.append(kept[piece[0] : piece[1]])
            member = untouched.get(piece)
            if member is not None:
                start = at + member.value_start - member.key_start
                verbatim.append((member.key, start, at + member.value_end - member.key_start))
        at += len(buffers[-1])
    # One allocation: bytes.join takes the kept spans as memoryview slices, not copies.
    return Merged(b"".join(buffers), tuple(verbatim))


# A piece of an edited document: new text, or a (start, end) span of the original bytes kept as is.
# Text taken from the view is only ever whitespace and commas (ASCII): UTF-8 like all new text.
Piece = str | tuple[int, int]


def check_merged(merged: Merged, keep: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Parse edited bytes as ``parse_document`` would and return the top-level values in ``keep``,
    without a view of the whole: each top-level value copied untouched (valid where it came from,
    and a JSON value is valid whatever surrounds it) stands in as ``0``, unless it is to be kept."""
    if keep is None or not merged.verbatim:
        return parse_document(merged.data, keep).values
    data = memoryview(merged.data)
    skeleton: list[memoryview | bytes] = []
    at = 0
    for key, start, end in merged.verbatim:
        if key in keep:
            continue
        skeleton += [data[at:start], b"0"]
        at = end
    skeleton.append(data[at:])
    return parse_document(b"".join(skeleton), keep).values


def new_document_text(value: Mapping[str, Any]) -> bytes:
    """The bytes of a file cbcfg creates: two-space indentation and a trailing newline, like Claude."""
    return (_dumps(with_lists(dict(value)), indent=2) + "\n").encode("utf-8")
