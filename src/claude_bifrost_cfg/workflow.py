"""The workflow apply, diff and show share — request -> plan -> commit — callable without the CLI.

The commands parse options, call these and render the result; a test or an Ansible module calls
them directly. Nothing here prints or prompts; the key is passed in (the CLI reads it).

    layout = build_layout(home=Path("/home/alice"))  # commands.common: the roots -> layout
    request = build_request("local", layout, sources(layout, None), key=key)
    result = apply_profile(request)  # result.applied, result.backup_set, result.clients
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .current import PlannedFile, key_in_place, prepare
from .engine import commit, files_match, summarize_changes
from .errors import CbcfgError, RefusedError, UsageError
from .inputs import Inputs, check_key_mode, choose_targets, resolve_inputs
from .layout import Layout, display_path
from .output import register_secret
from .profiles import Profile, ProfileSource, is_loopback_url, load_profile
from .source import DesktopMcpForm, Source, build_source
from .targets import get_target
from .targets.base import Target
from .vocabulary import VIRTUAL_KEY_ENV

if TYPE_CHECKING:
    from .keystore import KeyPlan

# keystore (helper and login key modes) and git_ignore (project files that hold the key, which run
# git) are imported where those cases arise: most applies need neither.

CLAUDE_CODE = "Claude Code"
CLAUDE_DESKTOP = "Claude Desktop"
# The client that reads each target's file; every target not named here is Claude Code's.
_CLIENT_OF_TARGET = {"desktop": CLAUDE_DESKTOP, "desktop-gateway": CLAUDE_DESKTOP, "desktop-library": CLAUDE_DESKTOP}


@dataclass(frozen=True)
class Request:
    layout: Layout
    profile: Profile
    inputs: Inputs
    source: Source
    targets: tuple[Target, ...]
    keys: KeyPlan | None = None  # helper and login modes: where the key goes, what leaves the disk


def build_request(
    profile_name: str,
    layout: Layout,
    profile_sources: Sequence[ProfileSource],
    *,
    key: str | None,
    targets: Sequence[str] = (),
    gateway_url: str | None = None,
    desktop_mcp: str = "bridge",
    allow_insecure: bool = False,
    need_key: bool = True,
    allow_placeholder: bool = False,
    remove_key: bool = False,
    key_mode: str | None = None,
) -> Request:
    """The profile, its inputs (URL, key) checked, its source, and the target files chosen.

    ``need_key``: the request plans writes, so with no key given the key cbcfg wrote earlier is
    looked up and kept (the user's key until they give another or ask for ``remove_key``)."""
    if desktop_mcp not in ("url", "bridge"):
        raise UsageError(f"--desktop-mcp {desktop_mcp!r} is not a form", "use url or bridge")
    form: DesktopMcpForm = "url" if desktop_mcp == "url" else "bridge"
    profile = load_profile(profile_name, list(profile_sources))
    chosen = tuple(get_target(name) for name in choose_targets(profile, list(targets)))
    refuse_shared_files(chosen, layout)  # also refuses another platform's system paths, before any read
    if remove_key and key is not None:
        raise UsageError("--remove-key and a new key were both given", f"unset {VIRTUAL_KEY_ENV} or drop --key-stdin")
    mode = check_key_mode(key_mode or profile.key_mode)
    off_disk = mode in ("helper", "login")
    in_place = None
    if (key is None and need_key and not remove_key) or off_disk:
        in_place = key_in_place(layout, chosen)
        if in_place is not None:
            register_secret(in_place.key)
            key = key if key is not None else in_place.key
    keys = None
    if off_disk:
        from .keystore import plan_keys

        keys = plan_keys(layout, profile.name, mode, key, in_place.key if in_place else None)
    need = need_key and not remove_key and (keys is None or keys.needs_key)
    inputs = resolve_inputs(profile, gateway_url, os.environ, key, allow_insecure, need, allow_placeholder)
    if in_place is not None and in_place.key == key and not off_disk:
        inputs = replace(inputs, key_in_place=in_place.shown)
    if mode == "login":
        if inputs.gateway_url.startswith("http://") and not is_loopback_url(inputs.gateway_url):
            raise RefusedError(
                f"key mode login: Claude Code signs in only to an https:// gateway (plain http only on "
                f"localhost), not {inputs.gateway_url}",
                "use the gateway's https:// URL",
            )
        inputs = replace(inputs, warnings=(*inputs.warnings, *login_warnings(layout, chosen)))
    helper, mcp_helper = (keys.helper_command, keys.mcp_headers_command) if keys else (None, None)
    store = keys.store.describe() if keys and keys.store else None
    source = build_source(profile, inputs.gateway_url, inputs.key, form, mode, helper, mcp_helper, store)
    if _desktop_gateway_in_use(layout, chosen):
        source = replace(source, desktop_gateway=True)  # claude_desktop_config.json: deploymentMode
    return Request(layout, profile, inputs, source, chosen, keys)


def login_warnings(layout: Layout, targets: tuple[Target, ...]) -> tuple[str, ...]:
    """Where Claude Code honours forceLoginMethod (2.1.332): managed sources, and user settings only
    on a machine with no managed source. What this apply's targets leave unhonoured."""
    from .layers import managed_files

    names = {target.name for target in targets}
    said = []
    if "managed" not in names and any(path.exists() for path in managed_files(layout)):
        shown = display_path(layout.managed_settings, layout.home)
        said.append(
            f"key mode login: a managed settings source exists ({shown}), so Claude Code ignores "
            "forceLoginMethod in user settings; apply with --target managed (as root) or export it to your MDM"
        )
    if not names & {"code", "managed"}:
        said.append("key mode login: only user (code) and managed settings can turn the gateway sign-in on")
    return tuple(said)


def _desktop_gateway_in_use(layout: Layout, chosen: tuple[Target, ...]) -> bool:
    """Desktop's gateway configuration is applied now, or was by cbcfg earlier: then the desktop
    target keeps ``deploymentMode: "3p"`` (applying only the MCP entry must not switch Desktop back)."""
    names = {target.name for target in chosen}
    if "desktop-gateway" in names:
        return True
    if "desktop" not in names:
        return False
    from .transaction import load_records

    return str(get_target("desktop-gateway").path(layout)) in load_records(layout.state_dir)


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
    """Every chosen file read, merged with the desired state and checked: what apply would write."""
    planned = prepare(request.layout, request.source, request.targets, force)
    for item in planned:
        if item.current.target.git_ignored and item.fragment.secret:
            from .git_ignore import refuse_if_tracked

            refuse_if_tracked(item.current.path, item.current.shown)
    return planned


def keep_out_of_git(request: Request, planned: Sequence[PlannedFile]) -> tuple[str, ...]:
    """Personal project files that will hold the key are git-ignored before they are written; what
    was done, to say."""
    said = []
    for item in planned:
        if item.current.target.git_ignored and item.fragment.secret and item.plan.changed:
            from .git_ignore import keep_out_of_git as ignore_in_git

            rule_file = ignore_in_git(item.current.path, request.layout.home, os.environ)
            if rule_file is not None:
                said.append(f"git now ignores {item.current.shown} (rule added to {rule_file})")
    return tuple(said)


@dataclass(frozen=True)
class ApplyResult:
    request: Request
    planned: tuple[PlannedFile, ...]
    pending: bool  # the files differed from the profile when planned
    applied: bool  # and those changes were written
    backup_set: str | None  # the backup set of this apply (undo: cbcfg rollback ID)
    git_ignored: tuple[str, ...] = ()  # files git was told to ignore before the key was written

    @property
    def matches(self) -> bool:
        """Every file is as the profile wants: nothing pending and no drift left alone."""
        return files_match(self.planned)

    @property
    def summary(self) -> dict[str, Any]:
        return summarize_changes(self.planned)

    @property
    def clients(self) -> tuple[str, ...]:
        """The clients whose files this apply changed, Claude Code first: those to restart."""
        changed = {_CLIENT_OF_TARGET.get(item.current.target.name, CLAUDE_CODE) for item in self.planned_changes}
        return tuple(client for client in (CLAUDE_CODE, CLAUDE_DESKTOP) if client in changed)

    @property
    def planned_changes(self) -> tuple[PlannedFile, ...]:
        return tuple(item for item in self.planned if item.plan.changed) if self.applied else ()


def is_pending(planned: Sequence[PlannedFile]) -> bool:
    return any(item.plan.changed for item in planned)


def apply_plan(
    request: Request,
    planned: Sequence[PlannedFile],
    force: bool,
    *,
    write: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> ApplyResult:
    """Write a plan made by ``plan_request`` (``write=False``: only report it). With nothing to
    change, writing only brings cbcfg's records up to date."""
    pending = is_pending(planned)
    backup_id = None
    said: tuple[str, ...] = ()
    if write and request.keys is not None:
        from .keystore import store_planned_key

        store_planned_key(request.layout, request.keys)  # first: the settings then name a key that exists
    if write and planned:
        said = keep_out_of_git(request, planned)
        committed = commit(
            request.layout, list(planned), f"apply {request.profile.name}", request.profile.name, force, on_wait=on_wait
        )
        planned = committed.planned
        backup_id = committed.backup.id if committed.backup else None
    if write and request.keys is not None:
        from .keystore import drop_key_from_backups

        drop_key_from_backups(request.layout.state_dir, request.keys.leaving_disk)
    return ApplyResult(request, tuple(planned), pending, pending and write, backup_id, said)


def apply_profile(
    request: Request, force: bool = False, *, write: bool = True, on_wait: Callable[[str], None] | None = None
) -> ApplyResult:
    """Plan and write: what ``cbcfg apply --yes`` does, without printing."""
    return apply_plan(request, plan_request(request, force), force, write=write, on_wait=on_wait)


# -- many homes in one process ---------------------------------------------------------------------


@dataclass(frozen=True)
class HomeOutcome:
    """One home of ``apply_to_homes``: its result, or the error that stopped it (nothing written there
    past that error; the other homes went on)."""

    layout: Layout
    result: ApplyResult | None
    error: CbcfgError | None = None


def read_homes(text: str, base: Path) -> tuple[Path, ...]:
    """The homes of a ``--homes-from`` file: one path per line; blank lines and ``#`` lines skipped;
    relative paths from ``base``; a home named twice is applied once."""
    homes: list[Path] = []
    seen: set[str] = set()
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        home = (base / entry).absolute()
        if os.path.realpath(home) not in seen:
            seen.add(os.path.realpath(home))
            homes.append(home)
    return tuple(homes)


def apply_to_homes(
    layouts: Sequence[Layout],
    build: Callable[[Layout], Request],
    force: bool = False,
    *,
    write: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> list[HomeOutcome]:
    """One profile into many homes (shared build machines, VDI) in one process: each home is its own
    request and its own transaction (records, backups, lock under that home). A home that fails is
    reported and the others go on; a usage error (the same for every home) stops the run before any
    home is written."""
    outcomes = []
    for layout in layouts:
        try:
            if not layout.home.is_dir():
                raise RefusedError(
                    f"home {layout.home} is not a folder", "create the user (and their home) first, or drop the line"
                )
            request = build(layout)
            shared = [target.name for target in request.targets if target.scope != "user"]
            if shared:
                raise UsageError(
                    f"targets {', '.join(shared)} are one file for every home, not one per home",
                    "apply them once without --homes-from; pass user targets here (-t code -t code-mcp …)",
                )
            outcomes.append(HomeOutcome(layout, apply_profile(request, force, write=write, on_wait=on_wait)))
        except UsageError:
            raise
        except CbcfgError as exc:
            outcomes.append(HomeOutcome(layout, None, exc))
    return outcomes
