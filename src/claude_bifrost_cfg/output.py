"""Everything cbcfg prints goes through here: rich on a terminal, plain text otherwise, JSON for
scripts, and every line redacted of keys first.

A reader that goes away (``cbcfg show bedrock | head -1``) ends the output quietly: the rest is
dropped, the command carries on to its end (an apply still writes all it planned) and exits as it
would have. Python ignores SIGPIPE, so a closed pipe is a BrokenPipeError here, never a kill.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from .secrets import redact

_known_secrets: list[str] = []


def register_secret(value: str | None) -> None:
    """A key the redaction must catch even if it does not look like one."""
    if value and value not in _known_secrets:
        _known_secrets.append(value)


def clean(text: str) -> str:
    return redact(text, _known_secrets)


def stdout_closed() -> None:
    """The reader of stdout went away: point stdout at the null device, so that what is still
    buffered and whatever comes later go nowhere instead of failing again (Python's documented
    remedy for EPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (a test's captured stream): nothing to redirect
        pass


class QuietStdout:
    """sys.stdout as the ``cbcfg`` command sets it up: the same stream, except that a reader going
    away ends the output quietly wherever the write comes from (click prints help and the version
    itself, and would turn EPIPE into exit code 1)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            stdout_closed()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            stdout_closed()

    def fileno(self) -> int:
        return self._stream.fileno()

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, buffer, ...: the stream's own
        return getattr(self._stream, name)


def end_output_quietly_on_closed_pipe() -> None:
    if not isinstance(sys.stdout, QuietStdout):
        sys.stdout = QuietStdout(sys.stdout)


def write(stream: TextIO, text: str) -> None:
    """Write ``text``; if the reader has gone away, drop it (and the rest) quietly."""
    try:
        stream.write(text)
    except BrokenPipeError:
        if stream is sys.stdout:
            stdout_closed()


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def emit_json(data: Any, stream: TextIO | None = None) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    # A value read from a file may hold a lone surrogate ("\ud800" in JSON): print it escaped again.
    text = _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    write(stream or sys.stdout, clean(text) + "\n")


def is_terminal(stream: TextIO | None = None) -> bool:
    return (stream or sys.stdout).isatty()


class Printer:
    """Human output; colour only on a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._console: Any = None

    @property
    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False, soft_wrap=True)
        return self._console

    def line(self, text: str = "", style: str | None = None) -> None:
        text = clean(text)
        if is_terminal(self.stream) and style:
            from rich.markup import escape

            self._print(f"[{style}]{escape(text)}[/]")
        else:
            write(self.stream, text + "\n")

    def _print(self, renderable: Any) -> None:
        try:
            self.console.print(renderable)
        except BrokenPipeError:
            if self.stream is sys.stdout:
                stdout_closed()

    def diff(self, before: bytes | str | None, after: bytes | str | None, label: str) -> None:
        lines = unified_diff(before, after, label)
        colour = is_terminal(self.stream)
        for line in lines:
            style = None
            if colour:
                style = {"+": "green", "-": "red", "@": "cyan"}.get(line[:1])
            self.line(line, style)

    def table(
        self, columns: Iterable[str], rows: Iterable[Iterable[str]], first_cell_styles: Iterable[str | None] = ()
    ) -> None:
        """Cells are plain text, never rich markup (a value or a fix may hold "[models]"). On a
        terminal, row i's first cell takes first_cell_styles[i] (doctor colours RESULT by level)."""
        from rich.table import Table
        from rich.text import Text

        terminal = is_terminal(self.stream)
        table = Table(box=None, pad_edge=False, show_edge=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        styles = iter(first_cell_styles)
        for row in rows:
            cells = [Text(clean(cell)) for cell in row]
            style = next(styles, None)
            if cells and style and terminal:
                cells[0].stylize(style)
            table.add_row(*cells)
        if terminal:
            self._print(table)
        else:
            import io

            from rich.console import Console

            text = io.StringIO()
            Console(file=text, width=200, color_system=None, highlight=False).print(table)
            write(self.stream, "".join(line.rstrip() + "\n" for line in text.getvalue().splitlines()))


def unified_diff(before: bytes | str | None, after: bytes | str | None, label: str) -> list[str]:
    from .textdiff import unified_diff as diff_lines  # difflib's output, in time for a 50 MB file

    return [
        clean(line)
        for line in diff_lines(
            before or b"",
            after or b"",
            fromfile=f"{label} (now)" if before is not None else "/dev/null",
            tofile=f"{label} (after)" if after is not None else "/dev/null",
        )
    ]


def error(message: str) -> None:
    sys.stderr.write(clean(f"cbcfg: error: {message}") + "\n")


def warning(message: str) -> None:
    sys.stderr.write(clean(f"cbcfg: warning: {message}") + "\n")


def notice(message: str) -> None:
    """Progress worth a line while waiting (for a lock): stderr, so --json stays clean."""
    sys.stderr.write(clean(f"cbcfg: {message}") + "\n")
    sys.stderr.flush()


SECRET_NAMES = frozenset({"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"})


def redact_value(pointer: str, value: Any) -> Any:
    """A value for JSON output: keys masked whatever field they sit in."""
    if isinstance(value, str) and pointer.rsplit("/", 1)[-1] in SECRET_NAMES:
        from .secrets import mask_key

        return mask_key(value) if not value.startswith("${") else value
    if isinstance(value, dict | list):
        return json.loads(clean(json.dumps(value, ensure_ascii=False)))
    return value
