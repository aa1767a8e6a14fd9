"""``cbcfg completion SHELL``: print the script that makes a shell complete cbcfg's commands,
options, profile names, target names and backup set ids."""

from __future__ import annotations

import click

from ..completion import SHELLS, completion_script
from .common import RootOptions, root_options


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@root_options
def completion(roots: RootOptions, shell: str) -> None:
    """Print SHELL's completion script (bash, zsh, fish or powershell).

    \b
    bash:       eval "$(cbcfg completion bash)"        (in ~/.bashrc)
    zsh:        eval "$(cbcfg completion zsh)"         (in ~/.zshrc)
    fish:       cbcfg completion fish > ~/.config/fish/completions/cbcfg.fish
    PowerShell: cbcfg completion powershell | Out-String | Invoke-Expression   (in $PROFILE)
    """
    from ..cli import app

    click.echo(completion_script(app, shell), nl=False)
