"""cbcfg's speed, as whole-process figures, each a ratio against a baseline measured in the same run.

    python benchmarks/run.py                 # cases 1-6 (a few minutes)
    python benchmarks/run.py --cases 7       # the growth table (--growth-max-mb to cap it)
    python benchmarks/run.py --cases 1,2     # some of them
    python benchmarks/run.py --runs 20 --size-mb 100 --json figures.json

Run it with the Python that has cbcfg installed (``pip install -e .`` or the wheel). Wall time is
taken with hyperfine when it is installed, else with a loop of its own (warm-up runs, then the
median of N); peak memory is each child's maximum resident set size from ``wait4`` (what
``/usr/bin/time -v`` reports). Everything runs in a scratch home under a temporary folder; the only
network traffic is to 127.0.0.1: a port that never answers (case 4), the test gateway (case 6).
No figure here is a test: the goals are printed next to the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from homes import SETTINGS, ClaudeJson, claude_json, typical_home

REPO = Path(__file__).resolve().parent.parent
KEY = "sk-bf-benchmark-key-0000000001"
MB = 1024 * 1024
RUSAGE_UNIT = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    argv: list[str]
    times: list[float] = field(default_factory=list)  # seconds
    peaks: list[int] = field(default_factory=list)  # bytes
    tool: str = "loop"

    @property
    def time(self) -> float:
        return statistics.median(self.times)

    @property
    def peak(self) -> int:
        return int(statistics.median(self.peaks)) if self.peaks else 0


class CommandFailed(RuntimeError):
    pass


# Each measured command is started by this small launcher, not by the benchmark itself: on Linux a
# child's peak RSS counts the memory of the process it was forked from, and the benchmark is large
# (like /usr/bin/time, the launcher is small, forks, execs, and reports what wait4 says).
LAUNCHER = """
import os, sys, time
result, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - started
with open(result, "w") as out:
    out.write("%r %d %d" % (elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status)))
"""


def run_once(argv: Sequence[str], env: dict[str, str], exit_codes: Sequence[int] = (0,)) -> tuple[float, int]:
    """Wall time and peak RSS of one run of ``argv``; raises if it exits otherwise than expected."""
    with tempfile.TemporaryDirectory() as folder:
        err, result = Path(folder) / "stderr", Path(folder) / "result"
        with open(err, "wb") as stderr:
            if hasattr(os, "fork"):
                launcher = [sys.executable, "-S", "-E", "-c", LAUNCHER, str(result), *argv]
                subprocess.run(launcher, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
                elapsed_text, peak_text, code_text = result.read_text().split()
                elapsed, peak, code = float(elapsed_text), int(peak_text) * RUSAGE_UNIT, int(code_text)
            else:  # Windows: time only
                started = time.perf_counter()
                done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
                elapsed, peak, code = time.perf_counter() - started, 0, done.returncode
        if code not in exit_codes:
            raise CommandFailed(f"{' '.join(argv)} exited {code}: {err.read_text(errors='replace')}")
    return elapsed, peak


@dataclass
class Spec:
    """One command to time; ``prepare`` runs (untimed) before each run, ``prepare_argv`` is the same
    step as a command, for hyperfine's --prepare."""

    label: str
    argv: list[str]
    prepare: Callable[[], None] | None = None
    prepare_argv: list[str] | None = None


def measure(
    specs: Sequence[Spec],
    env: dict[str, str],
    opts: argparse.Namespace,
    runs: int | None = None,
    warmup: int | None = None,
) -> list[Figure]:
    """Time ``specs`` together: the own loop takes turns between them, so a change in the machine's
    load during the run weighs on the baseline and the command alike."""
    runs = runs or opts.runs
    warmup = opts.warmup if warmup is None else warmup
    figures = [Figure(spec.label, spec.argv) for spec in specs]
    timed_by_hyperfine = [opts.hyperfine and (s.prepare is None or s.prepare_argv is not None) for s in specs]
    for index in range(warmup + runs):
        for spec, figure, by_hyperfine in zip(specs, figures, timed_by_hyperfine, strict=True):
            if by_hyperfine and index >= warmup + 3:  # hyperfine times it: a few runs sample memory
                continue
            if spec.prepare:
                spec.prepare()
            elapsed, peak = run_once(spec.argv, env)
            if index >= warmup:
                figure.times.append(elapsed)
                figure.peaks.append(peak)
    for spec, figure, by_hyperfine in zip(specs, figures, timed_by_hyperfine, strict=True):
        if by_hyperfine:
            figure.times = hyperfine_times(spec.argv, env, runs, warmup, spec.prepare_argv)
            figure.tool = "hyperfine"
    return figures


def hyperfine_times(
    argv: list[str], env: dict[str, str], runs: int, warmup: int, prepare_argv: list[str] | None
) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "out.json"
        command = [opts_hyperfine(), "--shell=none", "--style=none", f"--runs={runs}", f"--warmup={warmup}"]
        if prepare_argv:
            command.append("--prepare=" + shlex.join(prepare_argv))
        command += ["--export-json", str(export), shlex.join(argv)]
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        return [float(t) for t in json.loads(export.read_text())["results"][0]["times"]]


def opts_hyperfine() -> str:
    found = shutil.which("hyperfine")
    assert found is not None
    return found


# --- the machine ----------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        found = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True)
        if found.returncode == 0:
            return found.stdout.strip()
    return platform.processor() or platform.machine()


def machine() -> str:
    return (
        f"{cpu_model()}, {os.cpu_count()} cores; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({sys.executable})"
    )


# --- the cases ------------------------------------------------------------------------------------


def cbcfg_argv() -> list[str]:
    """The installed console script, as users run it; ``python -m`` only when there is none."""
    beside = Path(sys.executable).parent / ("cbcfg.exe" if os.name == "nt" else "cbcfg")
    found = str(beside) if beside.exists() else shutil.which("cbcfg")
    return [found] if found else [sys.executable, "-m", "claude_bifrost_cfg"]


def scratch_env(home: Path, key: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIFROST_", "XDG_", "CBCFG_", "CLAUDE_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' runs read cached bytecode
    env.update(HOME=str(home), LC_ALL="C.UTF-8")
    if key:
        env["BIFROST_VIRTUAL_KEY"] = KEY
    return env


@dataclass
class Result:
    case: str
    figure: Figure
    baseline: Figure | None
    goal: float | None  # ratio
    ratio: float
    note: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.ratio <= self.goal


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms" if seconds < 10 else f"{seconds:7.2f} s "


def mb(size: int) -> str:
    return f"{size / MB:6.1f} MB" if size else "      -  "


LABEL_WIDTH = 76


def report(result: Result) -> None:
    fig = result.figure
    verdict = "" if result.met is None else ("  met" if result.met else "  NOT MET")
    goal = f"goal <= {result.goal:g}x" if result.goal is not None else ""
    print(f"  {fig.label:<{LABEL_WIDTH}} {ms(fig.time)} {mb(fig.peak)}  {result.ratio:5.2f}x  {goal}{verdict}")
    if result.note:
        print(f"      {result.note}")


def print_baseline(figure: Figure) -> None:
    print(f"  {'baseline: ' + figure.label:<{LABEL_WIDTH}} {ms(figure.time)} {mb(figure.peak)}")


def case_startup(opts: argparse.Namespace, work: Path, cbcfg: list[str]) -> list[Result]:
    print("1. start-up", flush=True)
    (work / "empty-home").mkdir()
    env = scratch_env(work / "empty-home")
    base, version, usage = measure(
        [
            Spec('python -c "import typer"', [sys.executable, "-c", "import typer"]),
            Spec("cbcfg --version", [*cbcfg, "--version"]),
            Spec("cbcfg --help", [*cbcfg, "--help"]),
        ],
        env,
        opts,
    )
    print_baseline(base)
    results = [Result("1", figure, base, 1.3, figure.time / base.time) for figure in (version, usage)]
    for result in results:
        report(result)
    return results


HEAVY = "import typer, pydantic, tomlkit, platformdirs, rich"
MODELS = "; from pydantic import BaseModel"
# Building one model loads pydantic-core, the schema machinery and the plugin loader (which imports
# importlib.metadata): the floor of any process that validates with pydantic.
ONE_MODEL = "\nclass Profile(BaseModel):\n    url: str"


def case_apply(opts: argparse.Namespace, work: Path, cbcfg: list[str], cases: set[str]) -> list[Result]:
    """Cases 2 and 5, timed together against the same baseline."""
    typical, applied = work / "typical-home", work / "applied-home"
    typical_home(typical)
    typical_home(applied)
    env = scratch_env(typical)
    run_once([*cbcfg, "apply", "local", "--yes", "--home", str(applied)], env)  # the first run writes
    specs = [Spec(f'python -c "{HEAVY}"', [sys.executable, "-c", HEAVY])]
    # For scale: `import pydantic` is lazy; what using a model loads costs this much more.
    specs.append(Spec("  the same, plus: from pydantic import BaseModel", [sys.executable, "-c", HEAVY + MODELS]))
    specs.append(Spec("  the same, plus building one model", [sys.executable, "-c", HEAVY + MODELS + ONE_MODEL]))
    specs.append(
        Spec(
            "cbcfg apply local --dry-run --home <typical>",
            [*cbcfg, "apply", "local", "--dry-run", "--home", str(typical)],
        )
    )
    if "5" in cases:
        specs.append(
            Spec(
                "cbcfg apply local --yes --home <already applied>",
                [*cbcfg, "apply", "local", "--yes", "--home", str(applied)],
            )
        )
    print("2. a dry run in a typical home (settings with hooks, Desktop config, 300 KB ~/.claude.json)", flush=True)
    base, with_models, one_model, dry, *rerun = measure(specs, env, opts)
    results = []
    print_baseline(base)
    for scale in (with_models, one_model):
        print(
            f"  {scale.label:<{LABEL_WIDTH}} {ms(scale.time)} {mb(scale.peak)}  "
            f"{scale.time / base.time:5.2f}x  (for scale, not a goal)"
        )
    if "2" in cases:
        results.append(Result("2", dry, base, 1.5, dry.time / base.time))
        report(results[-1])
    if rerun:
        print("5. the fleet re-run: apply with nothing to change")
        print_baseline(base)
        note = f"vs case 2's dry run ({ms(dry.time).strip()}): {rerun[0].time / dry.time:.2f}x"
        results.append(Result("5", rerun[0], base, 1.5, rerun[0].time / base.time, note))
        report(results[-1])
    return results


BASELINE_MERGE = """
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    data = json.load(f)
data.setdefault("mcpServers", {})["bifrost"] = {"type": "http", "url": "http://localhost:8080/mcp"}
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(data, f, indent=2, ensure_ascii=False)
"""


def case_big_file(opts: argparse.Namespace, work: Path, cbcfg: list[str]) -> list[Result]:
    kind = "ASCII-only" if opts.ascii else "with accents, CJK and emoji"
    print(f"3. merging mcpServers.bifrost into a {opts.size_mb:g} MB ~/.claude.json ({kind})", flush=True)
    doc = claude_json(int(opts.size_mb * MB), ascii_only=opts.ascii)
    pristine = work / "claude.json.pristine"
    pristine.write_bytes(doc.data)
    size = pristine.stat().st_size
    home = work / "big-home"
    home.mkdir()
    target = home / ".claude.json"
    env = scratch_env(home)

    def reset() -> None:
        reset_big_home(pristine, home)

    argv = [*cbcfg, "apply", "local", "-t", "code-mcp", "--yes", "--home", str(home)]
    base, figure = measure(
        [
            Spec(
                "python: json.load + json.dump(indent=2) of the file",
                [sys.executable, "-c", BASELINE_MERGE, str(pristine), str(work / "baseline-out.json")],
            ),
            Spec(
                f"cbcfg apply local -t code-mcp --yes --home <{size / MB:.0f} MB>",
                argv,
                prepare=reset,
                prepare_argv=[sys.executable, __file__, "--reset-big-home", str(pristine), str(home)],
            ),
        ],
        env,
        opts,
        runs=opts.big_runs,
        warmup=1,
    )
    reset()
    run_once(argv, env)
    check_rest_identical(doc, target.read_bytes())
    print_baseline(base)
    results = [
        Result("3", figure, base, 1.5, figure.time / base.time, "the rest of the file: byte-identical (checked)")
    ]
    report(results[-1])
    memory = Figure(f"peak memory / file size ({size / MB:.1f} MB)", argv, [figure.time], [figure.peak])
    note = f"the baseline's peak: {base.peak / size:.2f}x the file size"
    results.append(Result("3", memory, None, 4.0, figure.peak / size, note))
    report(results[-1])
    return results


def reset_big_home(pristine: Path, home: Path) -> None:
    """The big file as generated, and no record of an earlier apply (else there is nothing to do)."""
    shutil.copyfile(pristine, home / ".claude.json")
    shutil.rmtree(home / ".local" / "state" / "cbcfg", ignore_errors=True)


def check_rest_identical(doc: ClaudeJson, after: bytes) -> None:
    """Everything but the mcpServers member is byte for byte what it was; that member gained bifrost."""
    prefix, suffix = doc.prefix.encode("utf-8"), doc.suffix.encode("utf-8")
    if not (after.startswith(prefix) and after.endswith(suffix)):
        raise SystemExit("case 3: the merged file differs outside mcpServers")
    member = after[len(prefix) : len(after) - len(suffix)].decode("utf-8")
    servers = json.loads("{" + member + "}")["mcpServers"]
    bifrost = servers.pop("bifrost", None)
    if servers != doc.servers or not bifrost or bifrost.get("type") != "http":
        raise SystemExit(f"case 3: mcpServers is not the old servers plus bifrost: {member}")


def case_doctor(opts: argparse.Namespace, work: Path, cbcfg: list[str]) -> Result | None:
    print("4. doctor against a gateway that accepts connections and never answers, --timeout 1", flush=True)
    home = work / "doctor-home"
    typical_home(home)
    env = scratch_env(home)
    probe = subprocess.run([*cbcfg, "doctor", "--help"], env=env, capture_output=True, text=True)
    if probe.returncode != 0:
        print("  skipped: 'cbcfg doctor --help' does not work yet (the doctor command is not there)")
        return None
    timeout = 1.0
    with blackhole() as url:
        argv = [*cbcfg, "doctor"]
        if "PROFILE" in probe.stdout.split("Options", 1)[0]:
            argv.append("local")
        argv += ["--gateway-url", url, "--timeout", f"{timeout:g}", "--home", str(home)]
        figure = Figure("cbcfg doctor --timeout 1 (gateway never answers)", argv)
        for index in range(1 + opts.doctor_runs):
            elapsed, peak = run_once(argv, env, exit_codes=(0, 8))  # 8: doctor found problems, as it should
            if index:  # the first run is the warm-up
                figure.times.append(elapsed)
                figure.peaks.append(peak)
    base = Figure("the timeout itself", [], [timeout])
    print_baseline(base)
    result = Result("4", figure, base, 1.5, figure.time / timeout, f"goal: <= 1.5 s in all; took {figure.time:.2f} s")
    report(result)
    return result


HTTPX = "import typer, httpx"


def case_doctor_healthy(opts: argparse.Namespace, work: Path, cbcfg: list[str]) -> Result | None:
    print("6. doctor, every check, against a healthy gateway on loopback (tests/support/gateway.py)", flush=True)
    try:
        sys.path.insert(0, str(REPO))
        from tests.support.gateway import Gateway
    except ImportError:
        print("  skipped: tests/support/gateway.py (and its test dependencies) are not installed")
        return None
    home = work / "doctor-healthy-home"
    typical_home(home)
    env = scratch_env(home)
    with Gateway() as gateway:
        gateway.keys.add(KEY)
        gateway.client_allowed_headers = ["*"]
        run_once([*cbcfg, "apply", "local", "--yes", "--gateway-url", gateway.url, "--home", str(home)], env)
        argv = [*cbcfg, "doctor", "-p", "local", "--gateway-url", gateway.url, "--home", str(home), "--json"]
        shown = subprocess.run(argv, env=env, capture_output=True, text=True)
        levels = sorted({row["level"] for row in json.loads(shown.stdout)["results"]}) if shown.stdout else []
        print(f"  (doctor's rows are {', '.join(levels) or 'missing'}; exit {shown.returncode})")
        base, figure = measure(
            [
                Spec(f'python -c "{HTTPX}"', [sys.executable, "-c", HTTPX]),
                Spec("cbcfg doctor -p local --gateway-url <healthy loopback gateway>", argv),
            ],
            env,
            opts,
        )
    print_baseline(base)
    result = Result("6", figure, base, 2.0, figure.time / base.time)
    report(result)
    return result


GROWTH_SIZES = (1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000)
# Targets in the order the growth case adds them; the project ones write under --project.
GROWTH_TARGETS = ("code", "desktop", "code-mcp", "code-project", "project-mcp", "code-local")


def settings_of_size(size: int) -> str:
    """A settings.json of about ``size`` bytes: the typical one, its permission list grown."""
    settings = json.loads(json.dumps(SETTINGS))
    allow = settings["permissions"]["allow"]
    text = json.dumps(settings, indent=2) + "\n"
    index = 0
    while len(text) < size:  # grow in steps, then re-render (cheap: the steps are large)
        missing = size - len(text)
        allow.extend(f"Bash(make target-{index + i}:*)" for i in range(max(1, missing // 32)))
        index = len(allow)
        text = json.dumps(settings, indent=2) + "\n"
    return text


def case_growth(opts: argparse.Namespace, work: Path, cbcfg: list[str]) -> list[dict[str, Any]]:
    """apply's time and peak memory as settings.json, ~/.claude.json and the number of targets grow."""
    sizes = [size for size in GROWTH_SIZES if size <= opts.growth_max_mb * MB]
    capped = "" if len(sizes) == len(GROWTH_SIZES) else f" (capped at {opts.growth_max_mb:g} MB for time)"
    print(f"7. growth: apply local --yes, {opts.growth_runs} runs each, a fresh home per run{capped}", flush=True)
    rows: list[dict[str, Any]] = []
    pristine = work / "growth-pristine"
    typical_home(pristine, claude_json_size=100_000)
    (pristine / "project").mkdir()

    def measure_home(axis: str, amount: str, size: int, targets: Sequence[str], files: dict[str, bytes]) -> None:
        home = work / "growth-home"

        def reset() -> None:
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(pristine, home, symlinks=True)
            for relative, data in files.items():
                (home / relative).write_bytes(data)

        argv = [*cbcfg, "apply", "local", "--yes", "--home", str(home), "--project", str(home / "project")]
        for target in targets:
            argv += ["-t", target]
        spec = Spec(f"{axis} {amount}", argv, prepare=reset)
        (figure,) = measure(
            [spec],
            scratch_env(home),
            argparse.Namespace(**{**vars(opts), "hyperfine": False}),
            runs=opts.growth_runs,
            warmup=1,
        )
        rows.append({"axis": axis, "amount": amount, "size": size, "time_s": figure.time, "peak_bytes": figure.peak})
        base = next(r for r in rows if r["axis"] == axis)
        extra = figure.time - base["time_s"]
        grown = (size - base["size"]) / MB
        per_mb = f"{extra / grown * 1000:8.1f} ms/MB over the smallest" if size >= MB and axis != "targets" else ""
        print(f"  {axis + ' ' + amount:<40} {ms(figure.time)} {mb(figure.peak)}  {per_mb}", flush=True)

    print("  settings.json (-t code):")
    for size in sizes:
        data = settings_of_size(size).encode()
        measure_home("settings.json", f"{size / 1000:g} KB", len(data), ["code"], {".claude/settings.json": data})
    print("  ~/.claude.json, with emoji and CJK (-t code-mcp):")
    for size in sizes:
        data = claude_json(max(size, 2_000)).data
        measure_home("~/.claude.json", f"{size / 1000:g} KB", len(data), ["code-mcp"], {".claude.json": data})
    print("  targets (typical home, 100 KB ~/.claude.json):")
    for count in range(1, len(GROWTH_TARGETS) + 1):
        measure_home("targets", str(count), count, GROWTH_TARGETS[:count], {})
    return rows


class _Blackhole:
    """Fallback when tests/support is not there: a port that accepts and never answers."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.held: list[socket.socket] = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(conn)

    def stop(self) -> None:
        self.stopped = True
        self.listener.close()
        for conn in self.held:
            conn.close()


class blackhole:
    def __enter__(self) -> str:
        try:
            sys.path.insert(0, str(REPO))
            from tests.support.gateway import Blackhole

            self.hole: Any = Blackhole().start()
        except ImportError:
            self.hole = _Blackhole()
        return str(self.hole.url)

    def __exit__(self, *exc: object) -> None:
        self.hole.stop()


# --- main -----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="1,2,3,4,5,6", help="comma-separated [1,2,3,4,5,6]; 7: the growth table")
    parser.add_argument("--runs", type=int, default=15, help="measured runs per command [15]")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up runs per command [3]")
    parser.add_argument("--big-runs", type=int, default=5, help="measured runs for the big file [5]")
    parser.add_argument("--doctor-runs", type=int, default=3, help="measured runs of doctor [3]")
    parser.add_argument("--size-mb", type=float, default=50, help="size of the big ~/.claude.json [50]")
    parser.add_argument("--ascii", action="store_true", help="case 3 with an ASCII-only file (no emoji)")
    parser.add_argument("--no-hyperfine", dest="hyperfine", action="store_false", help="time with the own loop")
    parser.add_argument("--growth-runs", type=int, default=3, help="measured runs per growth step [3]")
    parser.add_argument("--growth-max-mb", type=float, default=100, help="largest file in the growth case [100]")
    parser.add_argument("--json", metavar="FILE", help="also write the figures here")
    parser.add_argument("--reset-big-home", nargs=2, metavar=("PRISTINE", "HOME"), help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.reset_big_home:  # hyperfine's --prepare for case 3
        reset_big_home(*map(Path, opts.reset_big_home))
        return 0
    opts.hyperfine = opts.hyperfine and shutil.which("hyperfine") is not None
    cases = {c.strip() for c in opts.cases.split(",")}
    cbcfg = cbcfg_argv()
    version = subprocess.run([*cbcfg, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version} — {' '.join(cbcfg)}")
    print(f"machine: {machine()}")
    timing = "hyperfine" if opts.hyperfine else "own loop"
    print(f"method: median of {opts.runs} runs after {opts.warmup} warm-up run(s) ({timing}); peak RSS from wait4\n")
    print(f"  {'command':<{LABEL_WIDTH}} {'time':>10} {'peak RSS':>9}  ratio")

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="cbcfg-bench-") as folder:
        work = Path(folder)
        if "1" in cases:
            results += case_startup(opts, work, cbcfg)
        if cases & {"2", "5"}:
            results += case_apply(opts, work, cbcfg, cases)
        if "3" in cases:
            results += case_big_file(opts, work, cbcfg)
        if "4" in cases:
            doctor = case_doctor(opts, work, cbcfg)
            if doctor:
                results.append(doctor)
        if "6" in cases and (healthy := case_doctor_healthy(opts, work, cbcfg)):
            results.append(healthy)
        growth = case_growth(opts, work, cbcfg) if "7" in cases or "growth" in cases else []

    missed = [r for r in results if r.met is False]
    print()
    print(
        "all goals met"
        if not missed
        else "goals not met: " + ", ".join(f"case {r.case} ({r.figure.label.strip()})" for r in missed)
    )
    if opts.json:
        Path(opts.json).write_text(
            json.dumps(
                {
                    "version": version,
                    "machine": machine(),
                    "results": [
                        {
                            "case": r.case,
                            "command": r.figure.label.strip(),
                            "time_s": r.figure.time,
                            "peak_bytes": r.figure.peak,
                            "baseline": r.baseline.label if r.baseline else None,
                            "baseline_time_s": r.baseline.time if r.baseline else None,
                            "ratio": r.ratio,
                            "goal": r.goal,
                            "met": r.met,
                        }
                        for r in results
                    ],
                    "growth": growth,
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
