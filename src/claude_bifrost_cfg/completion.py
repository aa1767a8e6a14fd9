"""Shell completion: what a TAB offers (profile names, target names, backup set ids, profile keys)
and the PowerShell side of click's completion protocol (bash, zsh and fish are click's own).

Light on purpose: profile names come from the file system, set ids from the backups folder's names;
no profile is parsed and nothing is printed but the candidates.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem, ShellComplete, add_completion_class, split_arg_string

COMPLETE_VAR = "_CBCFG_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell")


def _root_value(ctx: click.Context, name: str) -> Any:
    """A root option as given so far: after the command, else before it, else its environment
    variable or default (the precedence ``commands.common.merged_root_options`` gives a command)."""
    from click.core import ParameterSource

    fallback = None
    probe: click.Context | None = ctx
    while probe is not None:
        if probe.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            return probe.params.get(name)
        if fallback is None:
            fallback = probe.params.get(name)
        probe = probe.parent
    return fallback


def _layout(ctx: click.Context) -> Any:
    from .commands.common import build_layout

    home = _root_value(ctx, "home")
    return build_layout(
        home, _root_value(ctx, "project"), _root_value(ctx, "system_root"), _root_value(ctx, "platform")
    )


def _matching(names: Any, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(name) for name in sorted(names) if name.startswith(incomplete)]


def complete_profile_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The profiles there are: --profiles-dir, the user's folder, the bundled ones (file names only)."""
    from .profile_folders import bundled_profiles_dir, names_in

    try:
        layout = _layout(ctx)
    except Exception:  # a half-typed --platform: offer what can be found without it
        return []
    folders = [layout.user_profiles_dir, bundled_profiles_dir()]
    profiles_dir = _root_value(ctx, "profiles_dir")
    if profiles_dir is not None:
        folders.insert(0, Path(profiles_dir))
    return _matching(names_in(folders), incomplete)


def complete_target_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The target names, from the targets registry."""
    from .targets import ALL

    return [
        CompletionItem(name, help=target.description) for name, target in ALL.items() if name.startswith(incomplete)
    ]


def complete_backup_sets(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The backup set ids there are, newest first (folder names; no manifest read)."""
    from .backups import backup_set_ids

    try:
        ids = backup_set_ids(_layout(ctx).state_dir)
    except Exception:
        return []
    return [CompletionItem(set_id) for set_id in reversed(ids) if set_id.startswith(incomplete)]


def complete_profile_keys(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The dotted keys 'profile set' takes, from the profile model."""
    from .profile_edit import settable_keys

    return _matching((key.removesuffix("NAME").removesuffix("KEY") for key in settable_keys()), incomplete)


POWERSHELL_SOURCE = """\
# cbcfg completion for PowerShell. Load it in your profile:
#   cbcfg completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName %(prog_name)s -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $line = $commandAst.Extent.Text
    $upTo = $cursorPosition - $commandAst.Extent.StartOffset
    if ($upTo -lt $line.Length) { $line = $line.Substring(0, [Math]::Max($upTo, 0)) }
    $env:COMP_WORDS = $line
    $env:COMP_CWORD = $wordToComplete
    $env:%(complete_var)s = 'powershell_complete'
    try {
        $items = & %(prog_name)s 2>$null
    } finally {
        Remove-Item Env:COMP_WORDS, Env:COMP_CWORD, Env:%(complete_var)s -ErrorAction SilentlyContinue
    }
    foreach ($item in $items) {
        $value, $help = $item -split "`t", 2
        if (-not $help) { $help = $value }
        [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $help)
    }
}
"""


class PowerShellComplete(ShellComplete):
    """click's completion protocol for PowerShell: the script above sends the command line up to the
    cursor (COMP_WORDS) and the word being completed (COMP_CWORD); one ``value<TAB>help`` line back
    per candidate."""

    name = "powershell"
    source_template = POWERSHELL_SOURCE

    def get_completion_args(self) -> tuple[list[str], str]:
        words = split_arg_string(os.environ.get("COMP_WORDS", ""))
        incomplete = os.environ.get("COMP_CWORD", "")
        args = words[1:]
        if incomplete and args and args[-1] == incomplete:
            args = args[:-1]
        return args, incomplete

    def format_completion(self, item: CompletionItem) -> str:
        return f"{item.value}\t{item.help or ''}"


add_completion_class(PowerShellComplete)


def completion_script(command: click.Command, shell: str) -> str:
    """The script that makes ``shell`` complete cbcfg (what ``cbcfg completion SHELL`` prints)."""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    if cls is None:  # not reachable from the command, which takes only SHELLS
        raise ValueError(shell)
    return cls(command, {}, "cbcfg", COMPLETE_VAR).source()
