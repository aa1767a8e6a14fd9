"""``cbcfg profile new|set|unset|edit|rm``: write your profiles from the command line.

Every change is checked as loading checks a profile before it is written, atomically; ``set`` and
``unset`` keep every other byte of the file (comments, blank lines, order).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..completion import complete_profile_keys, complete_profile_names, complete_target_names
from .common import RootOptions, root_options, sources

if TYPE_CHECKING:
    from ..profiles import ProfileSource


@click.group(invoke_without_command=True)
@click.pass_context
def profile(ctx: click.Context) -> None:
    """Write your own profiles: new, set, unset, edit, rm.

    They go in the user profiles folder ('cbcfg profiles' prints it), or in --profiles-dir.
    """
    if ctx.invoked_subcommand is None:  # plain ``cbcfg profile``: its help, and success (like ``cbcfg``)
        click.echo(ctx.get_help())


def _writable_folder(roots: RootOptions) -> tuple[Path, list[ProfileSource]]:
    layout = roots.layout()
    found = sources(layout, roots.profiles_dir)
    return (roots.profiles_dir.absolute() if roots.profiles_dir else layout.user_profiles_dir), found


def _report(roots: RootOptions, action: str, name: str, path: Path, line: str, **extra: Any) -> None:
    from ..output import Printer, emit_json

    if roots.json_output:
        emit_json({"command": f"profile {action}", "profile": name, "path": str(path), **extra})
    else:
        Printer(sys.stdout).line(line)


@profile.command("new", short_help="Write a new profile, commented.")
@click.argument("name")
@click.option("--extends", metavar="PROFILE", shell_complete=complete_profile_names, help="Extend this profile.")
@click.option("--gateway-url", metavar="URL", help="The gateway's root URL, e.g. https://bifrost.example.org.")
@click.option("--model", "models", multiple=True, metavar="TIER=ID", help="Pin a model tier (repeatable).")
@click.option(
    "--target",
    "-t",
    "targets",
    multiple=True,
    metavar="NAME",
    shell_complete=complete_target_names,
    help="A default target (repeatable).",
)
@click.option("--description", metavar="LINE", help="One line saying what the profile is for.")
@click.option(
    "--models-from",
    type=click.Choice(["gateway"]),
    help="Choose the tiers' models from the gateway's list, on a terminal (key: BIFROST_VIRTUAL_KEY).",
)
@root_options
def new(
    roots: RootOptions,
    name: str,
    extends: str | None,
    gateway_url: str | None,
    models: tuple[str, ...],
    targets: tuple[str, ...],
    description: str | None,
    models_from: str | None,
) -> None:
    """Write a new profile NAME, commented, into your profiles folder."""
    from ..errors import RefusedError
    from ..profile_edit import check_profile, new_profile_text, parse_model_pins, write_profile
    from ..profiles import check_profile_name, find_profile_path

    check_profile_name(name)
    folder, found = _writable_folder(roots)
    path = folder / f"{name}.toml"
    if path.exists() or path.is_symlink():
        raise RefusedError(
            f"profile {name!r} exists: {path}", f"change it with 'cbcfg profile set {name} KEY VALUE' or 'profile edit'"
        )
    pins = parse_model_pins(models)
    if models_from == "gateway":
        pins = {**_choose_models(roots, gateway_url, extends, pins), **pins}
    text = new_profile_text(
        name, description=description, extends=extends, gateway_url=gateway_url, models=pins, targets=targets
    )
    index = next(i for i, source in enumerate(found) if source.folder.absolute() == folder.absolute())
    check_profile(text, str(path), name, index, found)
    write_profile(path, text)
    shadowed = find_profile_path(name, found, index + 1)
    note = f" (shadows the {found[shadowed[0]].label} profile of that name)" if shadowed else ""
    _report(
        roots,
        "new",
        name,
        path,
        f"Wrote profile {name!r}: {path}{note}. Try it: cbcfg diff {name}",
        shadows=found[shadowed[0]].label if shadowed else None,
    )


def _choose_models(
    roots: RootOptions, gateway_url: str | None, extends: str | None, given: dict[str, str]
) -> dict[str, str]:
    """Ask, tier by tier, which of the gateway's models to pin (a terminal is needed to ask on)."""
    from ..errors import RefusedError
    from ..model_list import by_provider, fetch_models
    from .common import read_key

    if not sys.stdin.isatty():
        raise RefusedError(
            "--models-from gateway asks on a terminal and there is none", "pass --model TIER=ID for each tier"
        )
    url = _gateway_for(roots, gateway_url, extends)
    ids = [model for group in by_provider(fetch_models(url, read_key(False))).values() for model in group]
    if not ids:
        raise RefusedError(f"{url}/v1/models lists no model for this key", "check the key's allowed models in Bifrost")
    for number, model in enumerate(ids, 1):
        click.echo(f"{number:3}  {model}", err=True)
    chosen: dict[str, str] = {}
    for tier in ("sonnet", "opus", "haiku"):
        if tier in given:
            continue
        answer = click.prompt(
            f"{tier} (number, empty: not pinned)", default="", show_default=False, err=True, type=str
        ).strip()
        if answer:
            if not answer.isdigit() or not 1 <= int(answer) <= len(ids):
                raise RefusedError(f"{answer!r} is not one of the numbers 1 to {len(ids)}", "run it again")
            chosen[tier] = ids[int(answer) - 1]
    return chosen


def _gateway_for(roots: RootOptions, gateway_url: str | None, extends: str | None) -> str:
    from ..profiles import check_gateway_url, load_profile
    from ..vocabulary import GATEWAY_URL_ENV

    if gateway_url or os.environ.get(GATEWAY_URL_ENV):
        from ..errors import UsageError

        try:
            return check_gateway_url(gateway_url or os.environ[GATEWAY_URL_ENV])
        except ValueError as exc:
            raise UsageError(f"the gateway URL {exc}", "pass the gateway's root URL") from None
    if extends:
        return load_profile(extends, sources(roots.layout(), roots.profiles_dir)).gateway_url
    return "http://localhost:8080"


@profile.command("set", short_help="Set one key; every other byte stays.")
@click.argument("name", shell_complete=complete_profile_names)
@click.argument("key", shell_complete=complete_profile_keys)
@click.argument("value")
@root_options
def set_(roots: RootOptions, name: str, key: str, value: str) -> None:
    """Set KEY (models.opus, gateway.url, env.NAME, settings.KEY, description, extends, targets) to
    VALUE in profile NAME; every other byte of the file stays as it is."""
    from ..profile_edit import check_profile, find_setting, locate_writable, parse_value, set_in_text, write_profile

    found = sources(roots.layout(), roots.profiles_dir)
    located = locate_writable(name, found)
    setting = find_setting(key)
    parsed = parse_value(setting, value)
    before = _read(located.path)
    after = set_in_text(before, setting, parsed)
    check_profile(after, str(located.path), name, located.index, found)
    changed = after != before
    if changed:
        write_profile(located.path, after)
    import json

    _report(
        roots,
        "set",
        name,
        located.path,
        f"{name}: {key} = {json.dumps(parsed, ensure_ascii=False)}"
        + ("" if changed else " (already so; nothing written)"),
        key=key,
        value=parsed,
        changed=changed,
    )


@profile.command("unset", short_help="Remove one key; every other byte stays.")
@click.argument("name", shell_complete=complete_profile_names)
@click.argument("key", shell_complete=complete_profile_keys)
@root_options
def unset(roots: RootOptions, name: str, key: str) -> None:
    """Remove KEY from profile NAME (what it extends then decides); every other byte stays."""
    from ..profile_edit import check_profile, find_setting, locate_writable, unset_in_text, write_profile

    found = sources(roots.layout(), roots.profiles_dir)
    located = locate_writable(name, found)
    setting = find_setting(key)
    after = unset_in_text(_read(located.path), setting)
    if after is not None:
        check_profile(after, str(located.path), name, located.index, found)
        write_profile(located.path, after)
    _report(
        roots,
        "unset",
        name,
        located.path,
        f"{name}: {key} removed" if after is not None else f"{name}: {key} is not set there; nothing written",
        key=key,
        changed=after is not None,
    )


@profile.command("edit", short_help="Edit in $VISUAL/$EDITOR; installed only if valid.")
@click.argument("name", shell_complete=complete_profile_names)
@root_options
def edit(roots: RootOptions, name: str) -> None:
    """Open profile NAME in $VISUAL or $EDITOR, on a copy; install it only if it is a valid profile."""
    from ..errors import RefusedError
    from ..profile_edit import check_profile, locate_writable, write_profile

    found = sources(roots.layout(), roots.profiles_dir)
    located = locate_writable(name, found)
    before = _read(located.path)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise RefusedError("no editor: neither VISUAL nor EDITOR is set", "export EDITOR=nano (or vi, code -w, …)")
    with tempfile.TemporaryDirectory(prefix="cbcfg-edit-") as folder:
        copy = Path(folder) / f"{name}.toml"
        copy.write_text(before, encoding="utf-8")
        import shlex

        try:
            done = subprocess.run([*shlex.split(editor), str(copy)], check=False)
        except OSError as exc:
            raise RefusedError(f"cannot start the editor {editor!r}: {exc.strerror}", "check VISUAL / EDITOR") from None
        if done.returncode != 0:
            raise RefusedError(
                f"the editor exited with {done.returncode}; {located.path} is unchanged", "edit again and save"
            )
        try:
            after = copy.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RefusedError(
                f"the edited copy is not UTF-8 (byte {exc.start}); {located.path} is unchanged", "save it as UTF-8"
            ) from None
    from ..errors import ProfileError

    try:
        check_profile(after, str(located.path), name, located.index, found)
    except ProfileError as exc:
        raise ProfileError(f"{exc.message}; {located.path} is unchanged", exc.fix) from None
    changed = after != before
    if changed:
        write_profile(located.path, after)
    _report(
        roots,
        "edit",
        name,
        located.path,
        f"Installed the edited profile {name!r}: {located.path}" if changed else f"{name}: no change; nothing written",
        changed=changed,
    )


@profile.command("rm", short_help="Delete one of your profiles.")
@click.argument("name", shell_complete=complete_profile_names)
@root_options
def rm(roots: RootOptions, name: str) -> None:
    """Delete your profile NAME (bundled profiles cannot be removed)."""
    from ..fsio import remove_file
    from ..profile_edit import locate_writable
    from ..profiles import find_profile_path

    found = sources(roots.layout(), roots.profiles_dir)
    located = locate_writable(name, found)
    remove_file(located.path, str(located.path))
    now = find_profile_path(name, found)
    if now is not None:
        line = (
            f"Removed {located.path}; it shadowed the {found[now[0]].label} profile {name!r}, now in effect ({now[1]})"
        )
    else:
        line = f"Removed profile {name!r} ({located.path})"
    _report(
        roots,
        "rm",
        name,
        located.path,
        line,
        now_in_effect={"source": found[now[0]].label, "path": str(now[1])} if now else None,
    )


def _read(path: Path) -> str:
    from ..errors import ProfileError

    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror}", "check the file's permissions") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path}: not UTF-8 text (byte {exc.start})", "save it as UTF-8") from None
