"""The export command's steps: options -> profile -> managed fragment -> policy -> bytes -> destination.

The only module of the package that reads the environment (through the shared request builder) or
writes (through ``destination``); the formats stay pure.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..errors import RefusedError, UsageError
from ..layout import Layout
from ..output import warning
from ..vocabulary import VIRTUAL_KEY_ENV as KEY_ENV
from . import FORMATS, check_format, render_export
from .destination import write_export
from .policy import ExportMeta, ManagedPolicy, claude_code_policy, claude_desktop_policy

# --product -> the target whose fragment the export carries
PRODUCTS = {"code": "managed", "desktop": "desktop-gateway"}


def export_profile(
    profile_name: str,
    format_name: str | None,
    *,
    layout: Layout,
    profiles_dir: Path | None,
    output: Path | None,
    display_name: str | None,
    organization: str | None,
    include_key: bool,
    key_stdin: bool,
    gateway_url: str | None,
    allow_insecure: bool,
    key_mode: str | None = None,
    product: str = "code",
) -> None:
    from ..commands.common import read_key, sources
    from ..workflow import build_request

    if format_name is None:  # checked here, not by click: one line like every other bad input
        raise UsageError("--format is missing", f"pass --format with one of: {', '.join(FORMATS)}")
    check_format(format_name)
    if product not in PRODUCTS:
        raise UsageError(f"unknown --product {product!r}", f"products are: {', '.join(PRODUCTS)}")
    if key_stdin and not include_key:
        raise UsageError("--key-stdin reads a key that only --include-key puts in an export", "add --include-key")
    to_file = output is not None and str(output) != "-"
    if include_key and not to_file:
        raise UsageError("--include-key writes the key into a file, never to the terminal", "add -o FILE")
    request = build_request(
        profile_name,
        layout,
        sources(layout, profiles_dir),
        key=read_key(key_stdin) if include_key else None,
        targets=[PRODUCTS[product]],
        gateway_url=gateway_url,
        allow_insecure=allow_insecure,
        need_key=False,
        key_mode=key_mode,
    )
    if request.source.key_mode == "helper":
        raise UsageError(
            "key mode helper names a program and a key store on one machine; managed settings go to many",
            "export with --key-mode login (gateway sign-in, no key shipped) or key/header with --include-key",
        )
    for message in request.inputs.warnings:
        warning(message)
    key = request.source.key if include_key else None
    if include_key and key is None:
        raise RefusedError("--include-key: no virtual key given", f"set {KEY_ENV} or pipe it to --key-stdin")
    source = dataclasses.replace(request.source, key=key)
    (target,) = [t for t in request.targets if t.name == PRODUCTS[product]]
    fragment = target.fragment(source)
    policy = (
        _desktop_policy(request.profile.name, fragment.wanted, fragment.secret)
        if product == "desktop"
        else claude_code_policy(request.profile.name, fragment.wanted, secret=fragment.secret)
    )
    data = render_export(format_name, policy, ExportMeta(display_name, organization))
    write_export(data, output, policy.secret)
    if policy.secret:
        warning(
            f"{output} holds the virtual key: managed settings are readable by every local account of each "
            "machine that gets them; prefer per-user keys (cbcfg apply -t code for each user)"
        )


def _desktop_policy(profile: str, wanted: dict[str, object], secret: bool) -> ManagedPolicy:
    """Desktop's fleet policy: without --include-key no key at all (a placeholder would send every
    machine to the gateway with no credential); each user then needs a credential helper or sign-in."""
    from ..desired import DESKTOP_KEY_POINTER, DESKTOP_NO_KEY

    if wanted.get(DESKTOP_KEY_POINTER) == DESKTOP_NO_KEY:
        wanted = {pointer: value for pointer, value in wanted.items() if pointer != DESKTOP_KEY_POINTER}
        warning(
            "no inferenceGatewayApiKey in the export: Claude Desktop starts in standard mode until it has a "
            "credential (--include-key, or a credential helper)"
        )
    return claude_desktop_policy(profile, wanted, secret)
