"""A unified diff of two files (UTF-8 bytes) that differ in a few places, in time proportional to what changed.

difflib compares whole line lists: on a 50 MB ``~/.claude.json`` where cbcfg changed one member
that is half a minute and two copies of the file as lists. The texts cbcfg diffs share everything
but the members it spliced, so the common head and tail are cut off first (keeping the context lines
a hunk shows) and the hunks' line numbers shifted back. Texts under ``WHOLE_BELOW`` characters go to
difflib as they are.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

WHOLE_BELOW = 1 << 20
CONTEXT = 3  # difflib's default, what every hunk shows around a change
_STEP = 1 << 20
# What str.splitlines() ends a line at ("\r\n" counts once), in UTF-8: line numbers must agree with it.
_BREAKS = tuple(c.encode("utf-8") for c in ("\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"))
_HUNK = re.compile(r"@@ -(\d+)((?:,\d+)?) \+(\d+)((?:,\d+)?) @@")


def unified_diff(old: bytes | str, new: bytes | str, fromfile: str, tofile: str) -> Iterator[str]:
    """What ``difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile, tofile, lineterm="")``
    yields on the texts (the same hunks on texts under WHOLE_BELOW; on larger ones, hunks over the
    same lines). Bytes are UTF-8; only the lines around the changes are ever decoded."""
    old, new = _as_bytes(old), _as_bytes(new)
    if len(old) < WHOLE_BELOW and len(new) < WHOLE_BELOW:
        yield from difflib.unified_diff(_lines(old), _lines(new), fromfile, tofile, lineterm="")
        return
    head = _common_prefix(old, new)
    if head == len(old) == len(new):
        return
    tail = _common_suffix(old, new, min(len(old), len(new)) - head)
    start = _start_of_lines_before(old, head, CONTEXT + 1)
    old_end = _end_of_lines_after(old, len(old) - tail, CONTEXT + 1)
    new_end = old_end - len(old) + len(new)  # the tail is the same text in both
    offset = _count_lines(old, start)
    window = difflib.unified_diff(_lines(old[start:old_end]), _lines(new[start:new_end]), fromfile, tofile, lineterm="")
    for line in window:
        yield _shift_hunk(line, offset) if line.startswith("@@") else line


def _as_bytes(text: bytes | str) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")


def _lines(data: bytes) -> list[str]:
    """str.splitlines() of the text (lines start after a "\\n": a window is whole characters)."""
    try:
        return data.decode("utf-8", "surrogatepass").splitlines()
    except UnicodeDecodeError:  # a file on disk that is not UTF-8 (rollback shows it as it is)
        return data.decode("utf-8", "replace").splitlines()


def _common_prefix(a: bytes, b: bytes) -> int:
    limit = min(len(a), len(b))
    low = 0
    while low < limit:
        high = min(low + _STEP, limit)
        if a[low:high] != b[low:high]:
            break
        low = high
    else:
        return limit
    while high - low > 64:  # a[:low] == b[:low]; they differ before high
        middle = (low + high) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle
    while a[low] == b[low]:
        low += 1
    return low


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """Length of the common tail, at most ``limit`` bytes."""
    size = 0
    while size < limit:
        grown = min(size + _STEP, limit)
        if a[len(a) - grown : len(a) - size] != b[len(b) - grown : len(b) - size]:
            break
        size = grown
    else:
        return limit
    while grown - size > 64:
        middle = (size + grown) // 2
        if a[len(a) - middle : len(a) - size] == b[len(b) - middle : len(b) - size]:
            size = middle
        else:
            grown = middle
    while a[len(a) - size - 1] == b[len(b) - size - 1]:
        size += 1
    return size


def _start_of_lines_before(text: bytes, pos: int, lines: int) -> int:
    """Just after the ``lines``-th "\\n" before ``pos`` (0 if there are fewer)."""
    for _ in range(lines):
        pos = text.rfind(b"\n", 0, pos)
        if pos < 0:
            return 0
    return pos + 1


def _end_of_lines_after(text: bytes, pos: int, lines: int) -> int:
    """Just after the ``lines``-th "\\n" at or after ``pos`` (the end if there are fewer)."""
    for _ in range(lines):
        found = text.find(b"\n", pos)
        if found < 0:
            return len(text)
        pos = found + 1
    return pos


def _count_lines(text: bytes, end: int) -> int:
    """How many lines str.splitlines() finds in ``text[:end]``, which ends just after a "\\n"."""
    return sum(text.count(b, 0, end) for b in _BREAKS) - text.count(b"\r\n", 0, end)


def _shift_hunk(line: str, offset: int) -> str:
    match = _HUNK.match(line)
    if match is None or not offset:
        return line
    old_start, old_len, new_start, new_len = match.groups()
    return f"@@ -{int(old_start) + offset}{old_len} +{int(new_start) + offset}{new_len} @@" + line[match.end() :]
