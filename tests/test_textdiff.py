"""The diff cbcfg prints: difflib's on small texts, a correct one on huge texts, in time for 50 MB."""

from __future__ import annotations

import difflib
import random
import re

import pytest

from claude_bifrost_cfg.textdiff import WHOLE_BELOW, unified_diff

HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def reference(old: str, new: str) -> list[str]:
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), "a (now)", "a (after)", lineterm=""))


def patched(old: str, diff: list[str]) -> list[str]:
    """``old``'s lines with the diff's hunks applied, checking every context and removed line."""
    lines = old.splitlines()
    hunks: list[tuple[re.Match[str], list[str]]] = []
    for line in diff[2:]:
        match = HUNK.match(line)
        if match:
            hunks.append((match, []))
        else:
            hunks[-1][1].append(line)
    result: list[str] = []
    position = 0
    for match, body in hunks:
        length = int(match[2]) if match[2] is not None else 1
        first = int(match[1]) - 1 if length else int(match[1])
        assert [line[1:] for line in body if line[0] in " -"] == lines[first : first + length]
        result += lines[position:first] + [line[1:] for line in body if line[0] in " +"]
        position = first + length
    return result + lines[position:]


def big_document(seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ["{", '  "projects": {']
    size = 0
    while size < WHOLE_BELOW * 2:
        line = f'    "/home/dev/p{len(lines)}": {{"history": ["{rng.choice(["fix it", "🚀 ship", "naïve", "x"])}"]}},'
        lines.append(line)
        size += len(line) + 1
    lines += ['    "last": {}', "  },", '  "mcpServers": {}', "}"]
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('{\n  "a": 1\n}\n', '{\n  "a": 1,\n  "b": 2\n}\n'),
        ("", '{\n  "env": {}\n}\n'),
        ('{"a": 1}', "{}"),
        ("same\n", "same\n"),
        ("a\r\nb\r\n", "a\r\nc\r\n"),
    ],
)
def test_small_texts_get_difflibs_diff(old: str, new: str) -> None:
    assert list(unified_diff(old, new, "a (now)", "a (after)")) == reference(old, new)


def test_a_change_in_a_huge_text_gets_difflibs_hunk() -> None:
    old = big_document()
    at = old.index('"/home/dev/p5000"')
    new = old[:at] + '"/home/dev/renamed"' + old[at + len('"/home/dev/p5000"') :]
    assert list(unified_diff(old, new, "a (now)", "a (after)")) == reference(old, new)


def test_identical_huge_texts_have_no_diff() -> None:
    old = big_document()
    assert list(unified_diff(old, old + "", "a", "b")) == []


@pytest.mark.parametrize("seed", range(12))
def test_edits_in_a_huge_text_give_a_diff_that_applies(seed: int) -> None:
    rng = random.Random(seed)
    old = big_document()
    new = old
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(new))
        cut = min(len(new), at + rng.randint(0, 200))
        new = new[:at] + rng.choice(["", '\n    "bifrost": {},\n', "x\u2028y", "\r\n", "🚀\n\n", "abc"]) + new[cut:]
    if seed % 4 == 0:
        new = "\n" + new + "\n"
    diff = list(unified_diff(old, new, "a (now)", "a (after)"))
    assert diff[:2] == ["--- a (now)", "+++ a (after)"]
    assert patched(old, diff) == new.splitlines()
    # the same lines are reported changed as difflib reports (hunks start where its hunks start)
    assert [line for line in diff if line.startswith("@@")][:1] == [
        line for line in reference(old, new) if line.startswith("@@")
    ][:1]
