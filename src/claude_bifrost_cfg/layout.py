"""Where every file lives, per platform, as data.

A ``Layout`` is computed from the roots (home, project, system root), the platform and the
environment, so a test on Linux can ask where a file goes on Windows.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from .errors import UsageError
from .vocabulary import DESKTOP_CONFIG_ID, PROJECT_LOCAL_SETTINGS, PROJECT_MCP, PROJECT_SETTINGS


class Platform(StrEnum):
    LINUX = "linux"
    MACOS = "macos"
    WINDOWS = "windows"

    @classmethod
    def host(cls) -> Platform:
        if sys.platform == "darwin":
            return cls.MACOS
        if sys.platform.startswith("win"):
            return cls.WINDOWS
        return cls.LINUX


# Relative to the home directory unless noted; "{system}" is the system root.
_DESKTOP_CONFIG = {
    Platform.MACOS: ("Library", "Application Support", "Claude", "claude_desktop_config.json"),
    Platform.WINDOWS: ("AppData", "Roaming", "Claude", "claude_desktop_config.json"),
    Platform.LINUX: (".config", "Claude", "claude_desktop_config.json"),  # unofficial Linux builds
}
# Claude Desktop's third-party ("3P") folder; its configLibrary holds _meta.json + <id>.json
# (claude.com/docs/third-party/claude-desktop/configuration). Windows: %LOCALAPPDATA%, not %APPDATA%.
_DESKTOP_3P_DIR = {
    Platform.MACOS: ("Library", "Application Support", "Claude-3p"),
    Platform.WINDOWS: ("AppData", "Local", "Claude-3p"),
    Platform.LINUX: (".config", "Claude-3p"),
}
DESKTOP_LIBRARY = "configLibrary"
DESKTOP_LIBRARY_META = "_meta.json"
# Windows Store / MSIX installs (the default installer since early 2026) read a virtualised copy:
# %LOCALAPPDATA%\Packages\Claude_<publisher>\LocalCache\Roaming\Claude\ for %APPDATA%\Claude\ and
# ...\LocalCache\Local\Claude-3p\ for %LOCALAPPDATA%\Claude-3p\; files at the real paths are invisible to it.
_WINDOWS_PACKAGES = ("AppData", "Local", "Packages")
MSIX_FAMILY = "Claude_pzs8sxrjxfjjc"  # signed "Anthropic, PBC"
MSIX_GLOB = "Claude_*"
_MSIX_ROAMING = ("LocalCache", "Roaming")
_MSIX_LOCAL = ("LocalCache", "Local")
DesktopInstall = Literal["msix", "classic", "default"]
_MANAGED_DIR = {
    Platform.MACOS: ("Library", "Application Support", "ClaudeCode"),
    Platform.WINDOWS: ("Program Files", "ClaudeCode"),
    Platform.LINUX: ("etc", "claude-code"),
}
# The drop-in folder beside managed-settings.json, and the one drop-in cbcfg owns whole there. Drop-ins
# merge after the main file in file-name order (later wins); "50-" leaves room on both sides.
MANAGED_DROP_INS = "managed-settings.d"
CBCFG_DROP_IN = "50-cbcfg.json"
# macOS managed preferences (MDM configuration profiles) of Claude Code's domain, under the system
# root: the per-user file ("{user}") first, then the device's; the client reads the first found.
MANAGED_PREFERENCES_DOMAIN = "com.anthropic.claudecode"
_MANAGED_PREFERENCES = ("Library", "Managed Preferences")
_SYSTEM_ROOT = {Platform.MACOS: "/", Platform.WINDOWS: "C:\\", Platform.LINUX: "/"}
# cbcfg's own folders: records and backups (state), user profiles (config).
_STATE_DIR = {
    Platform.MACOS: ("Library", "Application Support", "cbcfg"),
    Platform.WINDOWS: ("AppData", "Local", "cbcfg"),
    Platform.LINUX: (".local", "state", "cbcfg"),
}
_CONFIG_DIR = {
    Platform.MACOS: ("Library", "Application Support", "cbcfg"),
    Platform.WINDOWS: ("AppData", "Local", "cbcfg"),
    Platform.LINUX: (".config", "cbcfg"),
}


@dataclass(frozen=True)
class Roots:
    """What the user said about where things are."""

    platform: Platform
    home: Path
    project: Path
    system_root: Path | None = None
    home_overridden: bool = False  # --home / CBCFG_HOME: every user path derives from it


# The files a target can be: each a path of the layout below.
LayoutPath = Literal[
    "user_settings",
    "claude_json",
    "desktop_config",
    "desktop_library_config",
    "desktop_library_meta",
    "managed_settings",
    "managed_drop_in",
    "project_settings",
    "project_local_settings",
    "project_mcp",
]


@dataclass(frozen=True)
class Layout:
    platform: Platform
    home: Path
    project: Path
    claude_dir: Path  # ~/.claude or $CLAUDE_CONFIG_DIR
    claude_json: Path  # ~/.claude.json or $CLAUDE_CONFIG_DIR/.claude.json
    desktop_config: Path
    desktop_3p_dir: Path  # Claude-3p: the configuration library's parent
    managed_dir: Path
    state_dir: Path
    config_dir: Path
    system_root: Path = Path("/")
    # Another platform's system folder with no --system-root: not a path on this machine.
    foreign_system: bool = False
    desktop_install: DesktopInstall = "default"  # Windows: which install's paths these are

    @property
    def desktop_library(self) -> Path:
        return self.desktop_3p_dir / DESKTOP_LIBRARY

    @property
    def desktop_library_config(self) -> Path:
        return self.desktop_library / f"{DESKTOP_CONFIG_ID}.json"

    @property
    def desktop_library_meta(self) -> Path:
        return self.desktop_library / DESKTOP_LIBRARY_META

    @property
    def user_settings(self) -> Path:
        return self.claude_dir / "settings.json"

    @property
    def managed_settings(self) -> Path:
        return self.managed_dir / "managed-settings.json"

    @property
    def managed_drop_ins(self) -> Path:
        return self.managed_dir / MANAGED_DROP_INS

    @property
    def managed_drop_in(self) -> Path:
        """The drop-in cbcfg owns whole (target ``managed-dropin``)."""
        return self.managed_drop_ins / CBCFG_DROP_IN

    @property
    def server_managed_cache(self) -> Path:
        """The client's cache of server-managed settings (claude.ai admin console, a gateway's
        ``/managed/settings``): ``~/.claude/remote-settings.json``."""
        return self.claude_dir / "remote-settings.json"

    def managed_preferences(self, user: str | None) -> list[Path]:
        """macOS only: the managed-preferences plists of Claude Code's domain, highest first."""
        if self.platform is not Platform.MACOS or self.foreign_system:
            return []
        folder = self.system_root.joinpath(*_MANAGED_PREFERENCES)
        name = f"{MANAGED_PREFERENCES_DOMAIN}.plist"
        return [*([folder / user / name] if user else []), folder / name]

    @property
    def user_profiles_dir(self) -> Path:
        return self.config_dir / "profiles"

    @property
    def project_settings(self) -> Path:
        return self.project.joinpath(*PROJECT_SETTINGS)

    @property
    def project_local_settings(self) -> Path:
        return self.project.joinpath(*PROJECT_LOCAL_SETTINGS)

    @property
    def project_mcp(self) -> Path:
        return self.project.joinpath(*PROJECT_MCP)

    def path_of(self, name: LayoutPath) -> Path:
        """One target file's path; another platform's managed folder only under --system-root."""
        if name in ("managed_settings", "managed_drop_in") and self.foreign_system:
            raise UsageError(
                f"--platform {self.platform} puts managed settings in {self.managed_dir}, "
                f"which is not a folder on this {Platform.host()} machine",
                "pass --system-root DIR to lay that platform's system files out under DIR",
            )
        path: Path = getattr(self, name)
        return path


def _under(base: Path, parts: tuple[str, ...]) -> Path:
    return base.joinpath(*parts)


def _env_dir(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    return Path(value) if value and Path(value).is_absolute() else None


def msix_package(local_appdata: Path) -> Path | None:
    """The MSIX package folder of an installed Claude Desktop, if there is one (the exact family
    first, then any ``Claude_*``): the one look at the disk layout takes."""
    packages = local_appdata / "Packages"
    exact = packages / MSIX_FAMILY
    if exact.is_dir():
        return exact
    try:
        found = sorted(path for path in packages.glob(MSIX_GLOB) if path.is_dir())
    except OSError:
        return None
    return found[0] if found else None


def _windows_desktop(local_appdata: Path, roaming: Path) -> tuple[Path, Path, DesktopInstall]:
    """(claude_desktop_config.json, Claude-3p folder, install) where the installed Desktop reads them."""
    package = msix_package(local_appdata)
    if package is not None:
        config = package.joinpath(*_MSIX_ROAMING, "Claude", "claude_desktop_config.json")
        return config, package.joinpath(*_MSIX_LOCAL, "Claude-3p"), "msix"
    return roaming / "Claude" / "claude_desktop_config.json", local_appdata / "Claude-3p", "classic"


def resolve_layout(roots: Roots, env: Mapping[str, str]) -> Layout:
    """Every path cbcfg reads or writes, from the roots and the environment (pure but for one look:
    which Windows install of Claude Desktop is there, see ``msix_package``)."""
    home, platform = roots.home, roots.platform
    config_dir_env = env.get("CLAUDE_CONFIG_DIR")
    if config_dir_env:
        claude_dir = home / config_dir_env[2:] if config_dir_env.startswith("~/") else Path(config_dir_env)
        if not claude_dir.is_absolute():
            claude_dir = roots.project / claude_dir
        claude_json = claude_dir / ".claude.json"
    else:
        claude_dir = home / ".claude"
        claude_json = home / ".claude.json"

    desktop = _under(home, _DESKTOP_CONFIG[platform])
    desktop_3p = _under(home, _DESKTOP_3P_DIR[platform])
    local_appdata = _under(home, _WINDOWS_PACKAGES[:2])
    roaming = _under(home, ("AppData", "Roaming"))
    state_dir = _under(home, _STATE_DIR[platform])
    config_dir = _under(home, _CONFIG_DIR[platform])
    if not roots.home_overridden:
        # The real home: honour the platform's own variables, as Claude Desktop and platformdirs do.
        if platform is Platform.host():
            import platformdirs

            state_dir = Path(platformdirs.user_state_dir("cbcfg", appauthor=False))
            config_dir = Path(platformdirs.user_config_dir("cbcfg", appauthor=False))
        appdata = _env_dir(env, "APPDATA") if platform is Platform.WINDOWS else None
        xdg_config = _env_dir(env, "XDG_CONFIG_HOME") if platform is Platform.LINUX else None
        local_env = _env_dir(env, "LOCALAPPDATA") if platform is Platform.WINDOWS else None
        roaming = appdata or roaming
        local_appdata = local_env or local_appdata
        if xdg_config:
            desktop = xdg_config / "Claude" / "claude_desktop_config.json"
            desktop_3p = xdg_config / "Claude-3p"
    install: DesktopInstall = "default"
    if platform is Platform.WINDOWS:
        desktop, desktop_3p, install = _windows_desktop(local_appdata, roaming)

    system_root = roots.system_root or Path(_SYSTEM_ROOT[platform])
    managed_dir = _under(system_root, _MANAGED_DIR[platform])
    return Layout(
        platform=platform,
        home=home,
        project=roots.project,
        claude_dir=claude_dir,
        claude_json=claude_json,
        desktop_config=desktop,
        desktop_3p_dir=desktop_3p,
        managed_dir=managed_dir,
        state_dir=state_dir,
        config_dir=config_dir,
        system_root=system_root,
        foreign_system=roots.system_root is None and platform is not Platform.host(),
        desktop_install=install,
    )


def display_path(path: Path, home: Path) -> str:
    """A path with the home directory shown as ~, safe to paste publicly."""
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return str(path)
