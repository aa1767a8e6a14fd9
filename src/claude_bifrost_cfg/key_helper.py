"""``cbcfg-key-helper``: the command Claude Code's ``apiKeyHelper`` runs; prints the virtual key.

Claude Code runs it with no arguments of its own, in the session's folder, at start and every
``CLAUDE_CODE_API_KEY_HELPER_TTL_MS``: so it is small and fast (the standard library, plus
``keyring`` for the keyring store; no click, rich or pydantic), and everything it needs is in the
arguments cbcfg wrote into the command (the store, the entry, the fallback file's path; never the key).

    cbcfg-key-helper --store keyring --entry local
    cbcfg-key-helper --store file --entry local --file /home/alice/.local/state/cbcfg/keys/local.key
    cbcfg-key-helper ... --headers   # an MCP entry's headersHelper: {"Authorization": "Bearer <key>"}

stdout: the key alone (or the headers' JSON). A missing key: one line on stderr, exit 1; bad
arguments: exit 2.
"""

from __future__ import annotations

import sys

SERVICE = "claude-bifrost-cfg"  # vocabulary.KEYRING_SERVICE (not imported: this path stays minimal)
USAGE = "usage: cbcfg-key-helper --store keyring|file --entry PROFILE [--file PATH] [--headers]"


def _fail(message: str, code: int = 1) -> int:
    sys.stderr.write(f"cbcfg-key-helper: {message}\n")
    return code


def _arguments(argv: list[str]) -> dict[str, str] | None:
    found: dict[str, str] = {}
    items = iter(argv)
    for item in items:
        if item == "--headers":
            found["headers"] = "1"
        elif item in ("--store", "--entry", "--file"):
            value = next(items, None)
            if value is None:
                return None
            found[item[2:]] = value
        else:
            return None
    return found if found.get("store") in ("keyring", "file") and found.get("entry") else None


def _from_file(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip() or None
    except FileNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    if args is None:
        return _fail(USAGE, 2)
    entry = args["entry"]
    fix = f"store it with: cbcfg key set --profile {entry}"
    try:
        if args["store"] == "file":
            if "file" not in args:
                return _fail(USAGE, 2)
            key = _from_file(args["file"])
            where = args["file"]
        else:
            import keyring

            key = keyring.get_password(SERVICE, entry)
            where = f"the OS keyring (service {SERVICE}, entry {entry})"
    except OSError as exc:
        return _fail(f"cannot read {args.get('file')}: {exc.strerror} — {fix}")
    except Exception as exc:  # a locked keyring, no D-Bus session, no backend
        return _fail(f"the OS keyring cannot be read ({type(exc).__name__}: {exc}) — unlock it, then {fix}")
    if not key:
        return _fail(f"no virtual key in {where} — {fix}")
    if "headers" in args:
        import json

        sys.stdout.write(json.dumps({"Authorization": f"Bearer {key}"}) + "\n")
    else:
        sys.stdout.write(key + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
