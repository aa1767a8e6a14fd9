"""Many homes on one host: ``cbcfg apply P --homes-from FILE`` (one process) against N separate
``cbcfg apply P --home H`` runs, each writing the same profile into N fresh scratch homes.

    python benchmarks/many_homes.py            # N=20 homes, 3 rounds, the median of each
    python benchmarks/many_homes.py --homes 50 --rounds 5

Run it with the Python that has cbcfg installed. Everything happens under a temporary folder; no
network. The figure is printed, not asserted (no timing in tests).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEY = "sk-bf-benchmark0000000000000000000000"  # a fake key, never a real one


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIFROST_", "CBCFG_", "XDG_", "CLAUDE_"))}
    env.update(HOME=str(root / "real-home"), BIFROST_VIRTUAL_KEY=KEY)
    return env


def _homes(root: Path, count: int) -> list[Path]:
    homes = [root / f"user{index:03d}" for index in range(count)]
    for home in homes:
        home.mkdir(parents=True)
    return homes


def _cbcfg(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "claude_bifrost_cfg", *args], env=env, check=True, capture_output=True)


def separate_runs(root: Path, count: int, profile: str) -> float:
    homes, env = _homes(root, count), _env(root)
    start = time.perf_counter()
    for home in homes:
        _cbcfg(["apply", profile, "-t", "code", "-t", "code-mcp", "--home", str(home), "--yes", "--json"], env)
    return time.perf_counter() - start


def one_run(root: Path, count: int, profile: str) -> float:
    homes, env = _homes(root, count), _env(root)
    listing = root / "homes.txt"
    listing.write_text("".join(f"{home}\n" for home in homes), "utf-8")
    start = time.perf_counter()
    _cbcfg(["apply", profile, "-t", "code", "-t", "code-mcp", "--homes-from", str(listing), "--yes", "--json"], env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--homes", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="local")
    options = parser.parse_args()
    separate, together = [], []
    for round_ in range(options.rounds):
        with tempfile.TemporaryDirectory(prefix="cbcfg-many-homes-") as folder:
            root = Path(folder)
            (root / "real-home").mkdir()
            separate.append(separate_runs(root / f"separate{round_}", options.homes, options.profile))
            together.append(one_run(root / f"together{round_}", options.homes, options.profile))
    a, b = statistics.median(separate), statistics.median(together)
    print(f"{options.homes} homes, profile {options.profile!r}, targets code + code-mcp, median of {options.rounds}:")
    print(f"  {options.homes} separate runs: {a:.2f} s ({a / options.homes * 1000:.0f} ms a home)")
    print(f"  one --homes-from run:  {b:.2f} s ({b / options.homes * 1000:.0f} ms a home)")
    print(f"  ratio: {a / b:.1f}x faster in one process")


if __name__ == "__main__":
    main()
