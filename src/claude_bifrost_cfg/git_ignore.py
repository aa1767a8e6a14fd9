"""A project's personal file holds the key: git must never pick it up.

Claude Code, when it creates ``.claude/settings.local.json``, adds ``**/.claude/settings.local.json``
to the user's global excludes file (``core.excludesFile``, else ``$XDG_CONFIG_HOME/git/ignore``,
else ``~/.config/git/ignore``) and checks with ``git check-ignore`` that git reads it. cbcfg does the
same; when that file is not the one git reads for this home (``--home`` for another user), it writes
the repository's own ``.git/info/exclude`` instead, which is never committed either.
A file git already tracks cannot be ignored: cbcfg refuses to put the key there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import RefusedError, WriteFailedError


@dataclass(frozen=True)
class Repository:
    top: Path  # the work tree's top folder
    relative: str  # the file, relative to it, with "/"


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ, "LC_ALL": "C"}
    )


def repository_of(path: Path) -> Repository | None:
    """The git work tree ``path`` would be in; None outside one, or without git."""
    if shutil.which("git") is None:
        return None
    folder = path.parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    found = _git(folder, "rev-parse", "--show-toplevel")
    if found.returncode != 0 or not found.stdout.strip():
        return None
    top = Path(found.stdout.strip())
    try:
        relative = path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None
    return Repository(top, relative)


def is_tracked(repo: Repository) -> bool:
    return _git(repo.top, "ls-files", "--error-unmatch", "--", repo.relative).returncode == 0


def is_ignored(repo: Repository) -> bool:
    return _git(repo.top, "check-ignore", "-q", "--", repo.relative).returncode == 0


def refuse_if_tracked(path: Path, shown: str) -> None:
    """The key must not go into a file git tracks: ignore rules do not apply to it."""
    repo = repository_of(path)
    if repo is not None and is_tracked(repo):
        raise RefusedError(
            f"{shown} is tracked by git: the virtual key would be committed",
            f"run 'git rm --cached {repo.relative}' in {repo.top} (the file stays), then apply again",
        )


def _global_excludes(env: Mapping[str, str]) -> Path:
    """The excludes file git reads for this user, found as Claude Code finds it."""
    configured = subprocess.run(
        ["git", "--git-dir=/dev/null", "config", "--path", "core.excludesFile"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"},
    ).stdout.strip()
    if configured and Path(configured).is_absolute():
        return Path(configured)
    xdg = env.get("XDG_CONFIG_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "git" / "ignore"
    return Path(env.get("HOME") or Path.home()) / ".config" / "git" / "ignore"


def _append_line(file: Path, line: str) -> None:
    try:
        text = file.read_text(encoding="utf-8") if file.exists() else ""
        if line in text.splitlines():
            return
        file.parent.mkdir(parents=True, exist_ok=True)
        with file.open("a", encoding="utf-8") as out:
            out.write(("" if not text or text.endswith("\n") else "\n") + line + "\n")
    except OSError as exc:
        raise WriteFailedError(f"{file}: cannot add {line!r}: {exc.strerror}", "add that line by hand") from None


def keep_out_of_git(path: Path, home: Path, env: Mapping[str, str]) -> Path | None:
    """Make git ignore ``path`` before the key is written to it; the file the rule went in, if one
    was needed. Outside a git work tree nothing is needed."""
    repo = repository_of(path)
    if repo is None or is_ignored(repo):
        return None
    git_home = Path(env.get("HOME") or Path.home())
    if git_home.resolve() == home.resolve():
        # As Claude Code does: one rule for every project of this user, e.g. **/.claude/settings.local.json.
        excludes = _global_excludes(env)
        _append_line(excludes, "**/" + "/".join(Path(repo.relative).parts[-2:]))
        if is_ignored(repo):
            return excludes
    git_dir = _git(repo.top, "rev-parse", "--git-path", "info/exclude").stdout.strip()
    exclude = (repo.top / git_dir) if git_dir else repo.top / ".git" / "info" / "exclude"
    _append_line(exclude, "/" + repo.relative)
    if not is_ignored(repo):
        raise WriteFailedError(
            f"{path}: git still does not ignore it after adding it to {exclude}",
            f"add {repo.relative} to the project's .gitignore, then apply again",
        )
    return exclude
