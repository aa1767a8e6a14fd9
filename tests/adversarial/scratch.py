"""The adversarial suite's face of the one scratch harness (tests/support/scratch_home.py): its own
canary key, the system root in ``root/system``, and ``tree()`` as the bytes of every file.

``invoke`` runs the click app in this process (fast); ``run`` starts ``python -m claude_bifrost_cfg``
(a real process: the only way to kill it, to race two of them, or to see exactly what it prints
without the redaction state another in-process run left behind).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import scratch_home
from tests.support.scratch_home import SCRUBBED_ENV, Result, assert_one_clean_line, new_scratch

# A canary key: long and unique, so finding it anywhere is certain to be a leak.
KEY = scratch_home.CANARY_KEY

__all__ = ["KEY", "SCRUBBED_ENV", "Result", "Scratch", "assert_one_clean_line", "make_scratch", "shared_scratch"]


class Scratch(scratch_home.Scratch):
    def tree(self) -> dict[str, bytes]:  # type: ignore[override]
        """Every file under the scratch root, by relative path (symlinks as their target's name)."""
        return self.contents()


def make_scratch(root: Path) -> Scratch:
    made = new_scratch(root, system_root="system")
    return Scratch(made.root, made.home, made.project, made.system_root)


@contextlib.contextmanager
def shared_scratch(prefix: str, why: str) -> Iterator[Scratch]:
    """A scratch tree another user can enter: outside pytest's temp folder (root's only), its root
    0755, removed afterwards. Skipped (``why``) where the test cannot act as another user."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip(f"needs root and setpriv to {why}")
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)
    try:
        yield make_scratch(root)
    finally:
        shutil.rmtree(root)
