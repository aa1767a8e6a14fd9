"""The key store: where a profile's virtual key lives when it is kept off the settings files.

Two stores, one entry per profile:
- ``keyring``: the OS keyring through the ``keyring`` library (macOS Keychain, Windows Credential
  Locker, the Secret Service on Linux desktops), service ``claude-bifrost-cfg``, user = profile.
- ``file``: where no keyring backend exists (keyring's fail backend, a headless Linux server), one
  0600 file per profile in a 0700 folder, ``<state>/keys/<profile>.key``, holding the key alone.

``CBCFG_KEY_STORE=keyring|file`` chooses instead of probing. What cbcfg remembers about each entry
(which store, when it changed — never the key) is ``<state>/keys.json``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from .errors import RefusedError, WriteFailedError
from .fsio import PRIVATE_DIR_MODE, make_folder, read_snapshot, remove_file, write_atomically
from .layout import Layout
from .records import Record, read_state_json, write_state_json
from .vocabulary import KEY_HELPER_ENV, KEY_STORE_ENV, KEYRING_SERVICE

StoreKind = Literal["keyring", "file"]
KEY_FILES = "keys"  # the fallback store's folder under the state folder
KEYS_STATE = "keys.json"


@dataclass(frozen=True)
class Store:
    kind: StoreKind
    backend: str  # what it is, for messages: "SecretService Keyring", "0600 file in ~/.local/state/cbcfg/keys"

    def describe(self) -> str:
        return f"the OS keyring ({self.backend})" if self.kind == "keyring" else f"the fallback store ({self.backend})"


def key_file(state_dir: Path, entry: str) -> Path:
    return state_dir / KEY_FILES / f"{entry}.key"


def _keyring_unusable(exc: BaseException) -> RefusedError:
    return RefusedError(
        f"the OS keyring cannot be used: {type(exc).__name__}: {exc}".rstrip(": "),
        "unlock it (log in to the desktop session, or run gnome-keyring-daemon --unlock), "
        f"or use the 0600 fallback file with {KEY_STORE_ENV}=file",
    )


def keyring_backend_name() -> str | None:
    """The keyring backend this machine has, or None when keyring falls back to its fail backend."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring):
        return None
    chained = getattr(backend, "backends", None)  # keyring's ChainerBackend: the real ones inside
    if chained is not None and not chained:
        return None
    name = getattr(backend, "name", None) or type(backend).__name__
    return str(name)


def choose_store(state_dir: Path, env: Mapping[str, str], home: Path | None = None) -> Store:
    """The keyring when it has a backend (or ``CBCFG_KEY_STORE=keyring``), else the fallback file."""
    wanted = env.get(KEY_STORE_ENV, "").strip().lower()
    if wanted not in ("", "keyring", "file"):
        raise RefusedError(f"{KEY_STORE_ENV}={wanted!r} is not a key store", f"set {KEY_STORE_ENV} to keyring or file")
    folder = state_dir / KEY_FILES
    shown = str(folder)
    if home is not None and folder.is_relative_to(home):
        shown = "~/" + folder.relative_to(home).as_posix()
    file_store = Store("file", f"0600 file in {shown}")
    if wanted == "file":
        return file_store
    backend = keyring_backend_name()
    if backend is None:
        if wanted == "keyring":
            raise RefusedError(
                f"{KEY_STORE_ENV}=keyring, but this machine has no keyring backend",
                "install and start one (e.g. gnome-keyring), or unset it to use the 0600 fallback file",
            )
        return file_store
    return Store("keyring", backend)


def read_key(store: StoreKind, state_dir: Path, entry: str) -> str | None:
    """The stored key, or None when the entry does not exist."""
    if store == "file":
        path = key_file(state_dir, entry)
        snapshot = read_snapshot(path, str(path))
        if snapshot.data is None:
            return None
        return snapshot.data.decode("utf-8", "replace").strip() or None
    import keyring

    try:
        return keyring.get_password(KEYRING_SERVICE, entry)
    except Exception as exc:  # keyring.errors.KeyringLocked, InitError, a D-Bus failure
        raise _keyring_unusable(exc) from None


def write_key(store: Store, state_dir: Path, entry: str, key: str) -> None:
    """Store the key, replacing the entry's old one, and remember which store holds it."""
    if store.kind == "file":
        make_folder(state_dir, PRIVATE_DIR_MODE)
        make_folder(state_dir / KEY_FILES, PRIVATE_DIR_MODE, exact=True)
        path = key_file(state_dir, entry)
        write_atomically(read_snapshot(path, str(path)), key + "\n", str(path), secret=True)
    else:
        import keyring

        try:
            keyring.set_password(KEYRING_SERVICE, entry, key)
        except Exception as exc:
            raise _keyring_unusable(exc) from None
    _remember(state_dir, entry, {"store": store.kind, "backend": store.backend, "changed": _now()})


def delete_key(state_dir: Path, entry: str) -> list[StoreKind]:
    """Remove the entry from every store that has it; the stores it was removed from."""
    removed: list[StoreKind] = []
    path = key_file(state_dir, entry)
    if path.exists():
        remove_file(path, str(path))
        removed.append("file")
    if keyring_backend_name() is not None:
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(KEYRING_SERVICE, entry)
            removed.append("keyring")
        except PasswordDeleteError:
            pass
        except Exception as exc:
            raise _keyring_unusable(exc) from None
    entries = known_entries(state_dir)
    if entries.pop(entry, None) is not None:
        _save_entries(state_dir, entries)
    return removed


def known_entries(state_dir: Path) -> dict[str, dict[str, Any]]:
    """profile -> {"store", "backend", "changed"}: what cbcfg remembers (never the key)."""
    data = read_state_json(state_dir / KEYS_STATE)
    entries = data.get("entries") if isinstance(data, dict) else None
    return {name: dict(info) for name, info in (entries or {}).items() if isinstance(info, dict)}


def _remember(state_dir: Path, entry: str, info: dict[str, Any]) -> None:
    entries = known_entries(state_dir)
    entries[entry] = info
    _save_entries(state_dir, entries)


def _save_entries(state_dir: Path, entries: dict[str, dict[str, Any]]) -> None:
    try:
        make_folder(state_dir, PRIVATE_DIR_MODE)
        write_state_json(state_dir / KEYS_STATE, {"version": 1, "entries": entries})
    except OSError as exc:
        raise WriteFailedError(
            f"{state_dir / KEYS_STATE}: cannot write ({exc.strerror})", "check its permissions"
        ) from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def stored_key(state_dir: Path, entry: str) -> tuple[StoreKind, str] | None:
    """The entry's key and the store it is in: the remembered store first, then the others."""
    remembered = known_entries(state_dir).get(entry, {}).get("store")
    order: list[StoreKind] = ["file", "keyring"] if remembered == "file" else ["keyring", "file"]
    for kind in order:
        if kind == "keyring" and keyring_backend_name() is None:
            continue
        key = read_key(kind, state_dir, entry)
        if key:
            return kind, key
    return None


def file_store_mode_problem(state_dir: Path, entry: str) -> str | None:
    """What is wrong with a fallback file's permissions (None: 0600 in a 0700 folder, or no file)."""
    path = key_file(state_dir, entry)
    if not path.exists() or os.name == "nt":
        return None
    mode = path.stat().st_mode & 0o777
    folder = path.parent.stat().st_mode & 0o777
    if mode & 0o077 or folder & 0o077:
        return f"{path} is {mode:04o} in a {folder:04o} folder: other accounts may read the key"
    return None


def helper_program(executable: str | None = None, env: Mapping[str, str] | None = None) -> list[str]:
    """How to start the helper: ``CBCFG_KEY_HELPER`` when set, else this interpreter with ``-m
    claude_bifrost_cfg.key_helper`` (an absolute path: Claude Code runs it from any folder). Not the
    ``cbcfg-key-helper`` console script, which does the same but also imports ``re`` first: a third
    slower, and Claude Code runs the helper at every refresh (benchmarks/key_helper.py)."""
    import shlex
    import sys

    given = (os.environ if env is None else env).get(KEY_HELPER_ENV, "").strip()
    if given:
        return shlex.split(given, posix=os.name != "nt")
    return [str(Path(executable or sys.executable).absolute()), "-m", "claude_bifrost_cfg.key_helper"]


def helper_arguments(store: StoreKind, state_dir: Path, entry: str, headers: bool = False) -> list[str]:
    args = ["--store", store, "--entry", entry]
    if store == "file":
        args += ["--file", str(key_file(state_dir, entry))]
    return [*args, "--headers"] if headers else args


def quote_command(words: list[str], windows: bool) -> str:
    """One command line, quoted for the shell Claude Code starts it with (sh; cmd.exe on Windows)."""
    if windows:
        import subprocess

        return subprocess.list2cmdline(words)
    import shlex

    return shlex.join(words)


# -- apply in the helper and login modes -----------------------------------------------------------


@dataclass(frozen=True)
class KeyPlan:
    """What an apply in an off-disk mode (helper, login) does with the key besides the settings."""

    mode: str
    entry: str  # the profile
    store: Store | None  # helper: where the key goes
    to_store: str | None  # helper: the key to put there (None: the store has it already)
    stored: bool  # helper: the store holds a key for the entry now
    leaving_disk: str | None  # a key cbcfg had written into the settings files: dropped from the backups too
    helper_command: str | None = None
    mcp_headers_command: str | None = None

    @property
    def needs_key(self) -> bool:
        return self.mode == "helper" and not self.stored and self.to_store is None


def plan_keys(layout: Layout, entry: str, mode: str, key: str | None, in_place: str | None) -> KeyPlan:
    """Where the key goes in ``mode`` (reads the store; writes nothing)."""
    if mode != "helper":
        return KeyPlan(mode, entry, None, None, False, in_place)
    store = choose_store(layout.state_dir, os.environ, layout.home)
    stored = read_key(store.kind, layout.state_dir, entry)
    windows = layout.platform.value == "windows"
    program = helper_program()
    state_dir = layout.state_dir

    def command(headers: bool) -> str:
        return quote_command([*program, *helper_arguments(store.kind, state_dir, entry, headers)], windows)

    to_store = key if key is not None and key != stored else None
    return KeyPlan(mode, entry, store, to_store, stored is not None, in_place, command(False), command(True))


def store_planned_key(layout: Layout, keys: KeyPlan) -> None:
    if keys.store is not None and keys.to_store is not None:
        write_key(keys.store, layout.state_dir, keys.entry, keys.to_store)


def drop_key_from_backups(state_dir: Path, key: str | None) -> int:
    """Rewrite cbcfg's backup copies that hold ``key`` with its value emptied (``"ANTHROPIC_API_KEY":
    ""``): the rest of each copy, and so rollback, is kept. How many copies were rewritten."""
    if not key:
        return 0
    import json

    forms = [form.encode() for form in dict.fromkeys((key, json.dumps(key)[1:-1]))]
    rewritten = 0
    folder = state_dir / "backups"
    if not folder.is_dir():
        return 0
    for copy in sorted(folder.glob("*/*")):
        if copy.name == "manifest.json" or not copy.is_file():
            continue
        data = copy.read_bytes()
        if not any(form in data for form in forms):
            continue
        for form in forms:
            data = data.replace(form, b"")
        write_atomically(read_snapshot(copy, str(copy)), data, str(copy), secret=True)
        rewritten += 1
    return rewritten


# -- which mode each applied profile is in (from cbcfg's records) --------------------------------


@dataclass(frozen=True)
class Applied:
    """A profile cbcfg applied: its key mode, its targets, and the files it wrote the key into."""

    profile: str
    mode: str | None  # None: the records show no credential (a profile applied without a key)
    targets: tuple[str, ...]
    key_files: tuple[str, ...]  # paths whose records own a key-holding pointer


_MODE_POINTERS = (
    ("/apiKeyHelper", "helper"),
    ("/forceLoginMethod", "login"),
    ("/env/ANTHROPIC_CUSTOM_HEADERS", "header"),
    ("/env/ANTHROPIC_API_KEY", "key"),
    ("/env/ANTHROPIC_AUTH_TOKEN", "key"),
)


def applied_profiles(records: Mapping[str, Record]) -> dict[str, Applied]:
    from .desired import holds_key

    found: dict[str, dict[str, Any]] = {}
    for path, record in records.items():
        seen = found.setdefault(record.profile, {"modes": [], "targets": [], "files": []})
        seen["targets"].append(record.target)
        for pointer, mode in _MODE_POINTERS:
            if pointer in record.owned:
                seen["modes"].append(mode)
        mcp_entry = record.target in ("code-mcp", "desktop") and any(p.startswith("/mcpServers/") for p in record.owned)
        if mcp_entry or any(holds_key(pointer) for pointer in record.owned):
            seen["files"].append(path)  # may hold the key (an MCP entry holds it in key and header modes)
    result = {}
    for profile, seen in found.items():
        order = [mode for mode in ("helper", "login", "header", "key") if mode in seen["modes"]]
        targets = tuple(dict.fromkeys(seen["targets"]))
        result[profile] = Applied(profile, order[0] if order else None, targets, tuple(seen["files"]))
    return result


def files_holding(paths: Sequence[str], key: str) -> list[str]:
    """Which of ``paths`` hold ``key`` (as written: plain or JSON-escaped)."""
    import json

    forms = [form.encode() for form in dict.fromkeys((key, json.dumps(key)[1:-1]))]
    found = []
    for path in paths:
        data = read_snapshot(Path(path), path).data
        if data is not None and any(form in data for form in forms):
            found.append(path)
    return found
