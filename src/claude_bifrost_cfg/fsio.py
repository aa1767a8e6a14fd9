"""Every read and write of a target file goes through here.

Writes are atomic (temp file in the same folder, fsync, replace, fsync the folder), keep the file's
mode and owner, go through symlinks to their target, and leave files holding a key 0600 — except
files every local account must read (managed settings): 0644, their new folders 0755, whatever the
umask, and an existing mode only ever widened to that.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import BadFileError, BusyError, WriteFailedError

TEMP_MARK = ".cbcfg-"
SECRET_MODE = 0o600
NEW_FILE_MODE = 0o644
PRIVATE_DIR_MODE = 0o700
READABLE_BY_ALL = 0o444  # the read bits a file every user must read has (with the owner's write: 0644)
SHARED_DIR_MODE = 0o755


@dataclass(frozen=True)
class Snapshot:
    """A target file as it is on disk now."""

    path: Path  # as named (may be a symlink)
    real: Path  # where the bytes live
    data: bytes | None  # None: no file
    mode: int | None
    uid: int | None
    gid: int | None

    @property
    def exists(self) -> bool:
        return self.data is not None


def real_path(path: Path) -> Path:
    """Follow symlinks (even a dangling one) to the file that holds the bytes."""
    return Path(os.path.realpath(path))


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_snapshot(path: Path, shown: str, known: bytes | None = None) -> Snapshot:
    """The file as it is now. ``known``: bytes it held earlier; if it still holds exactly them, they
    are reused (compared a few MB at a time) rather than read into a second copy."""
    real = real_path(path)
    try:
        # O_NONBLOCK: a named pipe in the file's place must be refused, not waited on for a writer.
        with open(os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(errno.EISDIR, "Is a directory")
            if not stat.S_ISREG(info.st_mode):
                raise BadFileError(f"{shown}: is not a regular file (a pipe or device)", "replace it with a file")
            if known is not None and info.st_size == len(known) and _holds(handle, known):
                data = known
            else:
                handle.seek(0)
                data = handle.read()
    except FileNotFoundError:
        if path.is_symlink() and not real.parent.is_dir():
            # Writing would create folders wherever the dangling link points (even /nonexistent/...).
            raise BadFileError(
                f"{shown}: is a symlink to {real}, whose folder does not exist",
                "fix or remove the link (a dotfile manager may not have run yet)",
            ) from None
        return Snapshot(path, real, None, None, None, None)
    except IsADirectoryError:
        raise BadFileError(f"{shown}: is a folder, not a file", "move the folder away, then run again") from None
    except NotADirectoryError:
        raise BadFileError(f"{shown}: a parent of this path is a file, not a folder", "fix the path") from None
    except PermissionError:
        raise BadFileError(f"{shown}: cannot read it (permission denied)", "run as its owner or fix its mode") from None
    except OSError as exc:
        raise BadFileError(f"{shown}: cannot read it ({_describe(exc)})", "check the file") from None
    return Snapshot(path, real, data, stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)


def _holds(handle: BinaryIO, known: bytes) -> bool:
    view = memoryview(known)
    at = 0
    while piece := handle.read(_PIECE):
        if view[at : at + len(piece)] != piece:
            return False
        at += len(piece)
    return at == len(known)


def _owner_for_new(folder: Path) -> tuple[int, int] | None:
    """Running as root for another user's home: new files belong to whoever owns the folder."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    info = probe.stat()
    return info.st_uid, info.st_gid


def make_folder(folder: Path, mode: int = 0o755, exact: bool = False) -> None:
    """Create a folder and its missing parents, owned like the nearest existing ancestor. ``exact``:
    the new folders get ``mode`` whatever the umask."""
    owner = _owner_for_new(folder)
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe == probe.parent:
            break
        probe = probe.parent
    for created in reversed(missing):
        os.mkdir(created, mode)
        if exact:
            os.chmod(created, mode)
        if owner is not None:
            os.chown(created, *owner)


def adopt_owner(path: Path) -> None:
    """Running as root for another user's home: give ``path`` to whoever owns its folder."""
    owner = _owner_for_new(path.parent)
    if owner is not None:
        os.chown(path, *owner)


# The crash-safety tests' seam (tests/adversarial/test_crash_safety.py): CBCFG_FAULT=kill:<step>
# ends the process on the spot at that step (like SIGKILL: no cleanup, no finally), and
# CBCFG_FAULT=error:<step> fails it with EIO; ":<file name>" after the step limits it to that file.
# Steps: temp-written, before-replace, after-replace (each write), backup-saved, before-records.
FAULT_ENV = "CBCFG_FAULT"


def fault_point(step: str, path: Path) -> None:
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    action, _, where = wanted.partition(":")
    at, _, name = where.partition(":")
    if at != step or (name and name != path.name):
        return
    if action == "kill":
        os._exit(137)
    raise OSError(errno.EIO, f"injected fault at {step}")


def check_writable(snapshot: Snapshot, shown: str) -> None:
    """Refuse before anything is written: a file made read-only on purpose (even for root, who could
    replace it) and, for other users, a folder they cannot write."""
    if snapshot.mode is not None and not snapshot.mode & 0o222:
        raise WriteFailedError(f"{shown}: is read-only", "make it writable (chmod u+w) or leave it out with --target")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return
    if snapshot.mode is not None and not os.access(snapshot.real, os.W_OK):
        raise WriteFailedError(f"{shown}: cannot write it (permission denied)", "run as its owner or fix its mode")
    folder = snapshot.real.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WriteFailedError(f"{shown}: cannot write in {folder} (permission denied)", "fix the folder's permissions")


def _fsync_folder(folder: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def written_mode(snapshot: Snapshot, secret: bool, readable_by_all: bool = False) -> int:
    """The mode a write leaves: a file every user must read is at least readable by all (0644 when
    new; never tightened), a file holding a key ends 0600, any other keeps its mode (0644 when new)."""
    if readable_by_all:
        return NEW_FILE_MODE if snapshot.mode is None else snapshot.mode | READABLE_BY_ALL
    if secret:
        return SECRET_MODE  # a key in a group- or world-readable file is a leak (the plan says so)
    return snapshot.mode if snapshot.mode is not None else NEW_FILE_MODE


def write_atomically(
    snapshot: Snapshot,
    data: bytes | str,
    shown: str,
    secret: bool,
    mode: int | None = None,
    readable_by_all: bool = False,
) -> None:
    """Replace the file ``snapshot`` was read from with ``data`` (text: UTF-8), atomically. ``mode``
    forces a mode (rollback restores the one a file had); else ``written_mode``. ``readable_by_all``:
    folders created for it are 0755."""
    target = snapshot.real
    folder = target.parent
    if mode is None:
        mode = written_mode(snapshot, secret, readable_by_all)
    owner = (
        (snapshot.uid, snapshot.gid)
        if snapshot.uid is not None and snapshot.gid is not None
        else _owner_for_new(folder)
    )
    temp = folder / f".{target.name}{TEMP_MARK}{secrets.token_hex(4)}.tmp"
    try:
        make_folder(folder, SHARED_DIR_MODE, exact=readable_by_all)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                for piece in utf8_pieces(data):
                    handle.write(piece)
                fault_point("temp-written", target)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, mode)
            if owner is not None and hasattr(os, "chown") and os.geteuid() == 0:
                os.chown(temp, owner[0], owner[1])
            fault_point("before-replace", target)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        fault_point("after-replace", target)
        _fsync_folder(folder)
    except OSError as exc:
        raise WriteFailedError(
            f"{shown}: cannot write it ({_describe(exc)})", "check the folder's permissions and free space"
        ) from None


_PIECE = 1 << 22


def utf8_pieces(data: bytes | str) -> Iterator[bytes]:
    """``data`` as UTF-8, a few MB at a time: a large text is never a second time in memory as bytes."""
    if isinstance(data, bytes):
        yield data
        return
    for start in range(0, len(data), _PIECE):
        yield data[start : start + _PIECE].encode("utf-8")


def remove_file(path: Path, shown: str) -> None:
    try:
        os.unlink(real_path(path))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WriteFailedError(f"{shown}: cannot remove it ({_describe(exc)})", "check permissions") from None


def remove_stray_temps(target: Path) -> list[Path]:
    """Temp files a killed cbcfg left beside ``target`` (call with cbcfg's lock held)."""
    real = real_path(target)
    removed = []
    with contextlib.suppress(OSError):
        for candidate in real.parent.glob(f".{real.name}{TEMP_MARK}*.tmp"):
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


OnWait = Callable[[str], None]


@contextlib.contextmanager
def cbcfg_lock(state_dir: Path, timeout: float, on_wait: OnWait | None = None) -> Iterator[None]:
    """One cbcfg at a time per home: applies and rollbacks serialize. ``on_wait`` hears once that
    another one holds the lock; a negative ``timeout`` waits for ever.

    The lock is the operating system's on ``cbcfg.lock`` (``flock`` on POSIX, ``msvcrt.locking`` of
    its first byte on Windows), exactly what the filelock package takes, so a cbcfg that still uses
    filelock and this one exclude each other; importing filelock cost a no-change apply ~15% of its
    time. The kernel drops the lock when the process dies: no stale lock to clean up."""
    path = state_dir / "cbcfg.lock"
    try:
        make_folder(state_dir, PRIVATE_DIR_MODE)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0), 0o644)
    except OSError as exc:  # cbcfg's own folder cannot be made, or its lock file opened
        raise WriteFailedError(
            f"{state_dir}: cannot keep cbcfg's state and backups there ({_describe(exc)})",
            "check that folder's permissions",
        ) from None
    try:
        if not _try_lock(fd):
            if on_wait is not None:
                on_wait(f"waiting for another cbcfg working on this home (up to {timeout:g} s)")
            deadline = time.monotonic() + timeout
            while not _try_lock(fd):
                if timeout >= 0 and time.monotonic() >= deadline:
                    raise BusyError(
                        f"another cbcfg is applying to this home (waited {timeout:g} s)", "wait for it, then run again"
                    )
                time.sleep(_LOCK_POLL)
        try:
            adopt_owner(path)  # root provisioning a home: its user's next cbcfg must be able to lock
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


_LOCK_POLL = 0.05  # seconds between tries while another cbcfg holds the lock

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


# Claude Code guards ~/.claude.json with proper-lockfile: a folder "<file>.lock" beside the path as
# named (not a symlink's target), refreshed while held, stale when its mtime is older than 10 s.
CLAUDE_LOCK_STALE = 10.0


def remove_stale_claude_lock(path: Path) -> bool:
    """Remove Claude's lock folder for ``path`` if it is stale (as Claude itself would): one left by
    a Claude, or a cbcfg, that was killed while holding it."""
    lock_dir = Path(str(path) + ".lock")
    with contextlib.suppress(OSError):
        if time.time() - lock_dir.stat().st_mtime > CLAUDE_LOCK_STALE:
            os.rmdir(lock_dir)
            return True
    return False


@contextlib.contextmanager
def claude_lock(path: Path, timeout: float, shown: str, on_wait: OnWait | None = None) -> Iterator[None]:
    lock_dir = Path(str(path) + ".lock")
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            os.mkdir(lock_dir)
            break
        except FileExistsError:
            if remove_stale_claude_lock(path):
                continue
            if time.monotonic() >= deadline:
                raise BusyError(
                    f"{shown}: Claude Code is writing it (lock {lock_dir.name} held for {timeout:g} s)",
                    "let Claude Code finish or close it, then run again",
                ) from None
            if on_wait is not None and not told:
                on_wait(f"waiting for Claude Code to release {shown} (up to {timeout:g} s)")
                told = True
            time.sleep(0.05)
        except FileNotFoundError:
            break  # no folder for the file yet: nothing of Claude's to wait for
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.rmdir(lock_dir)
