"""files: every target file parses and validates; which profile cbcfg applied there; drift since."""

from __future__ import annotations

from pathlib import Path

from ..current import plan_current, read_current
from ..errors import CbcfgError
from ..layout import display_path
from ..plan import drift_against, top_level_keys
from ..targets import ALL
from ..targets.base import Target
from .base import CheckResult, Level
from .context import LocalContext

name = "files"
summary = "target files parse, validate, and hold what cbcfg wrote"
network = False


def _candidates(ctx: LocalContext) -> list[tuple[Path, Target]]:
    layout = ctx.layout
    wanted = set(ctx.profile.targets) if ctx.profile else set()
    found: dict[str, tuple[Path, Target]] = {}
    for target in ALL.values():
        path = target.path(layout)
        if target.name in wanted or path.exists() or str(path) in ctx.records:
            found[str(path)] = (path, target)
    for recorded, record in ctx.records.items():
        if record.target in ALL and recorded not in found:
            found[recorded] = (Path(recorded), ALL[record.target])
    return list(found.values())


def _check_file(ctx: LocalContext, path: Path, target: Target) -> list[CheckResult]:
    shown = display_path(path, ctx.layout.home)
    record = ctx.records.get(str(path))
    try:
        keep = None if target.settings_schema else top_level_keys(record.owned if record else {})
        current = read_current(target, path, ctx.layout.home, keep)
    except CbcfgError as exc:
        return [CheckResult(name, Level.FAILED, exc.message, exc.fix)]
    rows: list[CheckResult] = []
    document = current.document
    if document is None:
        if record:
            rows.append(
                CheckResult(
                    name,
                    Level.FAILED,
                    f"{shown} ({target.name}): missing, but cbcfg wrote it (profile {record.profile})",
                    f"cbcfg apply {record.profile}",
                )
            )
        elif ctx.profile and target.name in ctx.profile.targets:
            rows.append(
                CheckResult(name, Level.WARNING, f"{shown} ({target.name}): absent", f"cbcfg apply {ctx.profile.name}")
            )
        return rows
    if target.settings_schema:
        from ..validate import schema_problems

        problems = sorted(schema_problems(document.values))
        if problems:
            rows.append(
                CheckResult(
                    name,
                    Level.WARNING,
                    f"{shown}: does not match Claude Code's settings schema: "
                    f"{problems[0]}" + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""),
                    "fix that key; Claude Code may ignore the file or the key",
                )
            )
    if record:
        drift = drift_against(record, document.values)
        if drift:
            keys = ", ".join(d.pointer for d in drift[:3]) + (" …" if len(drift) > 3 else "")
            rows.append(
                CheckResult(
                    name,
                    Level.WARNING,
                    f"{shown} ({target.name}): {len(drift)} key(s) changed since "
                    f"cbcfg applied profile {record.profile}: {keys}",
                    f"cbcfg apply {record.profile} --force to restore, or keep the edit",
                )
            )
        else:
            rows.append(CheckResult(name, Level.OK, f"{shown} ({target.name}): profile {record.profile}, no drift"))
    else:
        rows.append(CheckResult(name, Level.INFO, f"{shown} ({target.name}): present, not written by cbcfg"))
    if ctx.profile and ctx.source and target.name in ctx.profile.targets:
        fragment = target.fragment(ctx.source)
        try:
            planned = plan_current(current, fragment, record, ctx.profile.name, force=False)
        except CbcfgError as exc:
            return [*rows, CheckResult(name, Level.FAILED, exc.message, exc.fix)]
        if planned.plan.changes:
            rows.append(
                CheckResult(
                    name,
                    Level.WARNING,
                    f"{shown}: profile {ctx.profile.name} not applied here "
                    f"({len(planned.plan.changes)} change(s) pending)",
                    f"cbcfg diff {ctx.profile.name}, then cbcfg apply {ctx.profile.name}",
                )
            )
    return rows


def run(ctx: LocalContext) -> list[CheckResult]:
    rows: list[CheckResult] = []
    for path, target in _candidates(ctx):
        rows.extend(_check_file(ctx, path, target))
    if not rows:
        rows.append(CheckResult(name, Level.INFO, "no Claude or cbcfg files in this home yet", "cbcfg apply local"))
    return rows
