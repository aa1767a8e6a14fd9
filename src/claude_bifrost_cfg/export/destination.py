"""Where an export goes: standard output, or one file written atomically (the only write export makes)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import WriteFailedError
from ..fsio import NEW_FILE_MODE, SECRET_MODE, read_snapshot, write_atomically


def write_export(data: bytes, output: Path | None, secret: bool) -> None:
    if output is None or str(output) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    shown = str(output)
    folder = output.absolute().parent
    if not folder.is_dir():
        # write_atomically would create it; an export makes no folder anywhere.
        raise WriteFailedError(f"-o {shown}: the folder {folder} does not exist", "create it first, or pick another")
    snapshot = read_snapshot(output, shown)
    write_atomically(snapshot, data, shown, secret, mode=SECRET_MODE if secret else NEW_FILE_MODE)
