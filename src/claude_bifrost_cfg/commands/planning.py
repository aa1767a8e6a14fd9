"""Profile + options -> planned files: the part ``apply``, ``diff`` and ``show`` share."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from ..current import PlannedFile, key_in_place, prepare
from ..errors import UsageError
from ..git_ignore import keep_out_of_git, refuse_if_tracked
from ..inputs import Inputs, choose_targets, resolve_inputs
from ..layout import Layout, display_path
from ..output import register_secret
from ..profiles import Profile, load_profile
from ..source import DesktopMcpForm, Source, build_source
from ..targets import get_target
from ..targets.base import Target
from ..vocabulary import VIRTUAL_KEY_ENV
from .common import build_layout, read_key, sources


@dataclass(frozen=True)
class Request:
    layout: Layout
    profile: Profile
    inputs: Inputs
    source: Source
    targets: tuple[Target, ...]


def build_request(
    profile_name: str,
    *,
    home: Path | None,
    project: Path | None,
    system_root: Path | None,
    platform: str | None,
    profiles_dir: Path | None,
    targets: list[str] | None,
    gateway_url: str | None,
    key_stdin: bool,
    desktop_mcp: str,
    allow_insecure: bool,
    need_key: bool = True,
    allow_placeholder: bool = False,
    remove_key: bool = False,
) -> Request:
    """``need_key``: the command plans writes, so the key in place is looked up when none is given."""
    if desktop_mcp not in ("url", "bridge"):
        raise UsageError(f"--desktop-mcp {desktop_mcp!r} is not a form", "use url or bridge")
    form: DesktopMcpForm = "url" if desktop_mcp == "url" else "bridge"
    layout = build_layout(home, project, system_root, platform)
    profile = load_profile(profile_name, sources(layout, profiles_dir))
    chosen = tuple(get_target(name) for name in choose_targets(profile, targets or []))
    refuse_shared_files(chosen, layout)  # also refuses another platform's system paths, before any read
    key = read_key(key_stdin)
    if remove_key and key is not None:
        raise UsageError("--remove-key and a new key were both given", f"unset {VIRTUAL_KEY_ENV} or drop --key-stdin")
    in_place = None
    if key is None and need_key and not remove_key:
        # The key cbcfg wrote earlier is the user's key: kept (and moved to this profile's variable).
        in_place = key_in_place(layout, chosen)
        if in_place is not None:
            key = in_place.key
            register_secret(key)
    need = need_key and not remove_key
    inputs = resolve_inputs(profile, gateway_url, os.environ, key, allow_insecure, need, allow_placeholder)
    if in_place is not None:
        inputs = replace(inputs, key_in_place=in_place.shown)
    source = build_source(profile, inputs.gateway_url, inputs.key, form)
    return Request(layout, profile, inputs, source, chosen)


def refuse_shared_files(targets: tuple[Target, ...], layout: Layout) -> None:
    """Two targets on one file (code and code-project when the project is the home) would each be
    planned from the same bytes and the second write would undo the first: refuse instead."""
    seen: dict[str, Target] = {}
    for target in targets:
        path = target.path(layout)
        first = seen.setdefault(os.path.realpath(path), target)
        if first is not target:
            raise UsageError(
                f"targets {first.name} and {target.name} are the same file, {display_path(path, layout.home)}",
                f"pass --project DIR for your project (now {layout.project}), or name only one of them",
            )


def plan_request(request: Request, force: bool) -> list[PlannedFile]:
    planned = prepare(request.layout, request.source, request.targets, force)
    for item in planned:
        if item.current.target.git_ignored and item.fragment.secret:
            refuse_if_tracked(item.current.path, item.current.shown)
    return planned


def keep_out_of_git_before_writing(request: Request, planned: list[PlannedFile]) -> list[str]:
    """Personal project files that will hold the key are git-ignored first; what was done, to say."""
    said = []
    for item in planned:
        if item.current.target.git_ignored and item.fragment.secret and item.plan.changed:
            rule_file = keep_out_of_git(item.current.path, request.layout.home, os.environ)
            if rule_file is not None:
                said.append(f"git now ignores {item.current.shown} (rule added to {rule_file})")
    return said
