"""Errors are types, caught once at the top and printed as one clean line with a stable exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Stable exit codes; documented in the README."""

    OK = 0
    INTERNAL = 1  # a bug in cbcfg: please report it
    USAGE = 2  # wrong options or arguments
    BAD_FILE = 3  # a target file cannot be read or parsed, or has the wrong shape
    BAD_PROFILE = 4  # unknown profile, or a profile that fails validation
    REFUSED = 5  # nothing written: missing key, no confirmation, unsafe URL, invalid result
    BUSY = 6  # another cbcfg or Claude holds the lock past the timeout
    WRITE_FAILED = 7  # the operating system refused a write (permissions, read-only, disk full)
    DOCTOR_FAILED = 8  # doctor: at least one check failed or errored
    NOT_FOUND = 9  # rollback: no such backup set, or nothing to roll back
    PENDING = 10  # apply --check: changes are pending (nothing written)
    DRIFT = 11  # apply --check: nothing pending, but keys changed by hand differ from the profile
    UNREACHABLE = 12  # models: the gateway cannot be reached or does not answer like Bifrost


class CbcfgError(Exception):
    """An expected failure: one line saying what, where and how to fix it."""

    code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def line(self) -> str:
        return f"{self.message} — {self.fix}" if self.fix else self.message


class BadFileError(CbcfgError):
    code = ExitCode.BAD_FILE


class ProfileError(CbcfgError):
    code = ExitCode.BAD_PROFILE


class RefusedError(CbcfgError):
    code = ExitCode.REFUSED


class BusyError(CbcfgError):
    code = ExitCode.BUSY


class WriteFailedError(CbcfgError):
    code = ExitCode.WRITE_FAILED


class NotFoundError(CbcfgError):
    code = ExitCode.NOT_FOUND


class UsageError(CbcfgError):
    code = ExitCode.USAGE


class UnreachableError(CbcfgError):
    code = ExitCode.UNREACHABLE
