"""Run one command in a network namespace that has only loopback (and, optionally, a private
mount namespace with scratch folders bind-mounted over system paths such as /etc/claude-code).

Linux and root only; standard library only, because it runs as a script:

    python isolate.py [--forward PORT]... [--bind SRC:DST]... -- COMMAND [ARG]...
    python isolate.py --probe          # prints {"net": bool, "mnt": bool, "reason": str}

Loopback inside a new network namespace is a different loopback from the host's, so the test
gateway (listening on the host's 127.0.0.1:PORT) is not reachable there. For each `--forward
PORT` this script listens on 127.0.0.1:PORT *inside* the namespace and relays each connection,
over a Unix socket in a private temporary folder (Unix sockets bound to a path cross network
namespaces), to 127.0.0.1:PORT on the host. The command therefore uses the same URL it would use
without isolation, and can reach nothing else: there is no other interface and no route.

`--bind SRC:DST` (needs the mount namespace) makes SRC appear at DST for the command alone.
When DST does not exist, its parent gets a throwaway overlay (upper layer on a tmpfs of this
namespace), DST is created in that overlay, and SRC is bind-mounted on it; the real parent
folder is never written. All mounts are private to the namespace and vanish with it.

The exit status is the command's; 125 means the isolation itself could not be set up (the reason
is on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import fcntl
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
SETUP_FAILED = 125

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


class IsolationError(RuntimeError):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise IsolationError(f"{what}: {os.strerror(err)} (errno {err})")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    def enc(value: str | None) -> bytes | None:
        return None if value is None else value.encode()

    _check(
        _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        f"mount {source or fstype} on {target}",
    )


def loopback_up() -> None:
    """`ip link set lo up` without needing iproute2."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sh14s", b"lo", 0, b"\0" * 14)
        flags = struct.unpack("16sh", fcntl.ioctl(s, SIOCGIFFLAGS, req)[:18])[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh14s", b"lo", flags | IFF_UP, b"\0" * 14))


def bind_over(src: str, dst: str, scratch: str) -> None:
    """Make `src` appear at `dst` (inside an already private mount namespace)."""
    if not os.path.isdir(src):
        raise IsolationError(f"bind source {src} is not a folder")
    if not os.path.exists(dst):
        parent = os.path.dirname(dst.rstrip("/")) or "/"
        layer = os.path.join(scratch, "overlay-" + parent.strip("/").replace("/", "_"))
        os.makedirs(layer, exist_ok=True)
        # overlayfs refuses an upper layer that is itself on overlayfs: put it on a tmpfs.
        mount("tmpfs", layer, "tmpfs", 0, "mode=0755")
        upper, work = os.path.join(layer, "upper"), os.path.join(layer, "work")
        os.mkdir(upper)
        os.mkdir(work)
        mount("overlay", parent, "overlay", 0, f"lowerdir={parent},upperdir={upper},workdir={work}")
        os.mkdir(dst)
    mount(src, dst, None, MS_BIND | MS_REC, None)


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


def _splice(a: socket.socket, b: socket.socket) -> None:
    t = threading.Thread(target=_pipe, args=(b, a), daemon=True)
    t.start()
    _pipe(a, b)
    t.join()
    a.close()
    b.close()


def _serve(listener: socket.socket, connect: Callable[[], socket.socket]) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return

        def handle(c: socket.socket = conn) -> None:
            try:
                upstream = connect()
            except OSError:
                c.close()
                return
            _splice(c, upstream)

        threading.Thread(target=handle, daemon=True).start()


def _tcp_to(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def _unix_to(path: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def _inner(args: argparse.Namespace) -> int:
    """Runs in the child, already inside the new namespaces (see _enter)."""
    try:
        if args.bind:
            # Nothing mounted here may leak to the host's mount table.
            mount(None, "/", None, MS_REC | MS_PRIVATE, None)
            for spec in args.bind:
                src, dst = spec.split(":", 1)
                bind_over(os.path.abspath(src), dst, args.scratch)
        loopback_up()
        for port in args.forward:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", port))
            listener.listen(64)
            path = os.path.join(args.scratch, f"fwd-{port}.sock")
            threading.Thread(target=_serve, args=(listener, lambda p=path: _unix_to(p)), daemon=True).start()
    except (OSError, IsolationError) as exc:
        print(f"isolate: setup failed in the namespace: {exc}", file=sys.stderr)
        return SETUP_FAILED
    try:
        return subprocess.run(args.command, check=False).returncode
    except OSError as exc:
        print(f"isolate: cannot run {args.command[0]}: {exc}", file=sys.stderr)
        return SETUP_FAILED


def _enter(flags: int) -> None:
    unshare(flags)


def _outer(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="cbcfg-isolate-") as scratch:
        listeners: list[tuple[socket.socket, int]] = []
        for port in args.forward:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(os.path.join(scratch, f"fwd-{port}.sock"))
            listener.listen(64)
            listeners.append((listener, port))
        flags = CLONE_NEWNET | (CLONE_NEWNS if args.bind else 0)
        inner = [sys.executable, os.path.abspath(__file__), "--inner", "--scratch", scratch]
        for port in args.forward:
            inner += ["--forward", str(port)]
        for spec in args.bind:
            inner += ["--bind", spec]
        inner += ["--", *args.command]
        try:
            proc = subprocess.Popen(inner, preexec_fn=lambda: _enter(flags))
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"isolate: cannot create the namespaces: {exc}", file=sys.stderr)
            return SETUP_FAILED
        # Relay threads start only after the fork (preexec_fn and threads do not mix).
        for listener, port in listeners:
            threading.Thread(target=_serve, args=(listener, lambda p=port: _tcp_to(p)), daemon=True).start()
        return proc.wait()


def probe() -> dict[str, object]:
    """Which isolation works here: run a trivial command in each kind of namespace."""
    result: dict[str, object] = {"net": False, "mnt": False, "reason": ""}
    if sys.platform != "linux":
        result["reason"] = "not Linux"
        return result
    me = os.path.abspath(__file__)
    true = ["/bin/sh", "-c", "exit 0"]
    net = subprocess.run([sys.executable, me, "--", *true], capture_output=True, text=True, check=False)
    result["net"] = net.returncode == 0
    if not result["net"]:
        result["reason"] = net.stderr.strip() or f"exit {net.returncode}"
        return result
    with tempfile.TemporaryDirectory(prefix="cbcfg-probe-") as src:
        target = "/etc/cbcfg-isolate-probe"
        check = ["/bin/sh", "-c", f"test -d {target}"]
        mnt = subprocess.run(
            [sys.executable, me, "--bind", f"{src}:{target}", "--", *check],
            capture_output=True,
            text=True,
            check=False,
        )
        result["mnt"] = mnt.returncode == 0 and not os.path.exists(target)
        if not result["mnt"]:
            result["reason"] = mnt.stderr.strip() or f"exit {mnt.returncode}"
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forward", type=int, action="append", default=[])
    parser.add_argument("--bind", action="append", default=[])
    parser.add_argument("--probe", action="store_true")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*")
    args = parser.parse_args(argv)
    if args.probe:
        print(json.dumps(probe()))
        return 0
    if not args.command:
        parser.error("a command is required after --")
    return _inner(args) if args.inner else _outer(args)


if __name__ == "__main__":
    sys.exit(main())
