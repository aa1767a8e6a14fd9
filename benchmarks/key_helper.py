"""The key helper's start-up, against a bare Python process reading the same key-store entry.

    python benchmarks/key_helper.py                # the fallback file store (any machine)
    python benchmarks/key_helper.py --keyring      # the OS keyring (needs a backend, e.g. a
                                                   # Secret Service: scripts/install-test-packages.sh)
    python benchmarks/key_helper.py --runs 30 --json figures.json

Claude Code runs ``apiKeyHelper`` at start and at every refresh
(``CLAUDE_CODE_API_KEY_HELPER_TTL_MS``): the goal is at most 1.5x the baseline, a ``python -c``
that does nothing but read the entry (``open().read()`` for the file store, ``import keyring;
keyring.get_password(...)`` for the keyring). Both run through ``/bin/sh -c`` as Claude Code starts
the helper. Warm-up runs, then the median of N wall times. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from claude_bifrost_cfg.keystore import (
    Store,
    choose_store,
    helper_arguments,
    helper_program,
    key_file,
    quote_command,
    write_key,
)
from claude_bifrost_cfg.vocabulary import KEYRING_SERVICE

KEY = "sk-bf-benchmark-key-0000000001"
ENTRY = "benchmark"
GOAL = 1.5


def median_seconds(command: str, runs: int, warmup: int = 3) -> float:
    times = []
    for index in range(warmup + runs):
        started = time.perf_counter()
        done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0 or done.stdout.strip() != KEY:
            raise SystemExit(f"{command!r} failed: exit {done.returncode}: {done.stderr.strip()}")
        if index >= warmup:
            times.append(elapsed)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keyring", action="store_true", help="the OS keyring instead of the fallback file")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cbcfg-bench-helper-") as scratch:
        state = Path(scratch) / "state"
        store = choose_store(state, {"CBCFG_KEY_STORE": "keyring"}) if args.keyring else Store("file", "0600 file")
        write_key(store, state, ENTRY, KEY)
        python = shlex.quote(sys.executable)
        if store.kind == "file":
            read = f"print(open({str(key_file(state, ENTRY))!r}).read().strip())"
        else:
            read = f"import keyring; print(keyring.get_password({KEYRING_SERVICE!r}, {ENTRY!r}))"
        baseline = f"{python} -c {shlex.quote(read)}"
        helper = quote_command([*helper_program(env={}), *helper_arguments(store.kind, state, ENTRY)], windows=False)
        try:
            base = median_seconds(baseline, args.runs)
            ours = median_seconds(helper, args.runs)
        finally:
            if store.kind == "keyring":
                import keyring

                keyring.delete_password(KEYRING_SERVICE, ENTRY)
    ratio = ours / base
    verdict = "within" if ratio <= GOAL else "OVER"
    print(f"store: {store.kind} ({store.backend}); median of {args.runs} runs through /bin/sh -c")
    print(f"  baseline  python -c reading the entry   {base * 1000:7.1f} ms")
    print(
        f"  the helper apiKeyHelper runs            {ours * 1000:7.1f} ms   {ratio:.2f}x ({verdict} the {GOAL}x goal)"
    )
    if args.json:
        figures = {"store": store.kind, "baseline_ms": base * 1000, "helper_ms": ours * 1000, "ratio": ratio}
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
