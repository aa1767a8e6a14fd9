"""profiles: the bundled ones, user and --profiles-dir ones that extend or shadow them, and bad files."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from claude_bifrost_cfg.errors import ExitCode, ProfileError
from claude_bifrost_cfg.profiles import (
    ProfileSource,
    bundled_profiles_dir,
    check_gateway_url,
    is_loopback_url,
    list_profiles,
    load_profile,
    profile_sources,
)

BUNDLED = ("azure", "bedrock", "local", "production", "vertex")
REPO = Path(__file__).resolve().parents[1]


def bundled() -> list[ProfileSource]:
    return [ProfileSource("bundled", bundled_profiles_dir())]


def write_profile(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, "utf-8")
    return path


# --- the bundled profiles ------------------------------------------------------------------------


def test_the_bundled_profiles_are_found() -> None:
    assert sorted(p.stem for p in bundled_profiles_dir().glob("*.toml")) == list(BUNDLED)
    assert [listing.name for listing in list_profiles(bundled())] == list(BUNDLED)


def test_the_wheel_ships_the_top_level_profiles_folder_as_the_bundled_one() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include == {"profiles": "claude_bifrost_cfg/bundled_profiles"}
    assert bundled_profiles_dir().resolve() in {(REPO / "profiles").resolve(), *_installed_dirs()}


def _installed_dirs() -> set[Path]:
    import claude_bifrost_cfg

    return {(Path(claude_bifrost_cfg.__file__).parent / "bundled_profiles").resolve()}


def test_local() -> None:
    profile = load_profile("local", bundled())
    assert profile.gateway_url == "http://localhost:8080"
    assert not profile.require_key and not profile.placeholder_url
    assert profile.models == {}
    assert profile.key_env == "ANTHROPIC_API_KEY"
    assert profile.targets == ("code", "desktop")
    assert profile.mcp_enabled and profile.mcp_name == "bifrost"
    assert profile.chain == ("local",) and profile.source == "bundled"


def test_production_has_the_example_url_marked_as_one() -> None:
    profile = load_profile("production", bundled())
    assert profile.gateway_url == "https://bifrost.example.com"
    assert profile.placeholder_url and profile.require_key
    assert profile.chain == ("production", "local")


@pytest.mark.parametrize(
    ("name", "sonnet", "haiku"),
    [
        (
            "bedrock",
            "bedrock/global.anthropic.claude-sonnet-4-6",
            "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0",
        ),
        ("vertex", "vertex/claude-sonnet-4-6", "vertex/claude-haiku-4-5"),
        ("azure", "azure/claude-sonnet-4-6", "azure/claude-haiku-4-5"),
    ],
)
def test_provider_profiles_pin_all_three_tiers_to_their_provider(name: str, sonnet: str, haiku: str) -> None:
    profile = load_profile(name, bundled())
    assert profile.models["sonnet"] == sonnet
    assert profile.models["haiku"] == haiku
    # Claude Code's default model is Opus: unpinned, default requests would leave the provider.
    assert profile.models["opus"].startswith(f"{name}/") and "opus" in profile.models["opus"]
    assert profile.require_key and profile.gateway_url == "http://localhost:8080"
    assert profile.chain == (name, "local")


# --- user profiles, --profiles-dir, extends and shadows ------------------------------------------


def test_a_user_profile_extends_a_bundled_one(tmp_path: Path) -> None:
    user = tmp_path / "user"
    write_profile(
        user, "team", 'extends = "bedrock"\ndescription = "team"\n[gateway]\nurl = "https://gw.team.example"\n'
    )
    profile = load_profile("team", profile_sources(None, user))
    assert profile.source == "user" and profile.chain == ("team", "bedrock", "local")
    assert profile.gateway_url == "https://gw.team.example"
    assert profile.models["sonnet"] == "bedrock/global.anthropic.claude-sonnet-4-6"
    assert profile.require_key


def test_a_user_profile_shadows_a_bundled_one_and_may_extend_it(tmp_path: Path) -> None:
    user = tmp_path / "user"
    write_profile(user, "bedrock", 'extends = "bedrock"\n[models]\nopus = "bedrock/my-opus"\n')
    sources = profile_sources(None, user)
    profile = load_profile("bedrock", sources)
    assert profile.source == "user"
    assert profile.models["opus"] == "bedrock/my-opus"
    assert profile.models["sonnet"] == "bedrock/global.anthropic.claude-sonnet-4-6"  # from the shadowed one
    listing = {item.name: item for item in list_profiles(sources)}["bedrock"]
    assert listing.source == "user" and listing.shadows == ("bundled",)


def test_shadowing_local_moves_the_profiles_that_extend_it(tmp_path: Path) -> None:
    user = tmp_path / "user"
    write_profile(user, "local", 'extends = "local"\n[gateway]\nurl = "http://127.0.0.1:4000"\n')
    profile = load_profile("vertex", profile_sources(None, user))
    assert profile.gateway_url == "http://127.0.0.1:4000"
    assert profile.chain == ("vertex", "local", "local")


def test_a_shadow_that_extends_what_extends_it_is_a_cycle(tmp_path: Path) -> None:
    user = tmp_path / "user"
    write_profile(user, "local", 'extends = "bedrock"\n')
    with pytest.raises(ProfileError, match="cycle local -> bedrock -> local"):
        load_profile("local", profile_sources(None, user))


def test_profiles_dir_comes_first(tmp_path: Path) -> None:
    user, extra = tmp_path / "user", tmp_path / "extra"
    write_profile(user, "team", 'description = "from user"\n')
    write_profile(extra, "team", 'description = "from profiles-dir"\n')
    sources = profile_sources(extra, user)
    assert [s.label for s in sources] == ["profiles-dir", "user", "bundled"]
    assert load_profile("team", sources).description == "from profiles-dir"
    listing = {item.name: item for item in list_profiles(sources)}["team"]
    assert listing.shadows == ("user",)


def test_a_missing_user_folder_is_fine(tmp_path: Path) -> None:
    assert [p.name for p in list_profiles(profile_sources(None, tmp_path / "nowhere"))] == list(BUNDLED)


def test_nested_tables_merge_key_by_key(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    write_profile(folder, "base", '[env]\nA = "1"\nB = "2"\n[settings.permissions]\ndefaultMode = "plan"\n')
    write_profile(folder, "child", 'extends = "base"\n[env]\nB = "3"\n[settings]\nmodel = "opus"\n')
    profile = load_profile("child", [ProfileSource("profiles-dir", folder)])
    assert profile.env == {"A": "1", "B": "3"}
    assert profile.settings == {"permissions": {"defaultMode": "plan"}, "model": "opus"}


# --- what is refused, with file and line ---------------------------------------------------------


def refused(tmp_path: Path, text: str, name: str = "bad") -> str:
    folder = tmp_path / "p"
    write_profile(folder, name, text)
    with pytest.raises(ProfileError) as caught:
        load_profile(name, [ProfileSource("profiles-dir", folder), *bundled()])
    assert caught.value.code == ExitCode.BAD_PROFILE
    return caught.value.line()


def test_bad_toml_names_file_and_line(tmp_path: Path) -> None:
    line = refused(tmp_path, 'description = "x"\nextends = "local"\n[gateway\nurl = "http://a"\n')
    assert f"{tmp_path / 'p' / 'bad.toml'}:3:" in line
    assert "\n" not in line


@pytest.mark.parametrize(
    ("text", "where", "key"),
    [
        ('description = "x"\n[gateway]\nrequire_key = "yes"\n', 3, "gateway.require_key"),
        ('description = "x"\ncolour = "blue"\n', 2, "colour"),
        ('description = "x"\n\n[modles]\nsonnet = "a"\n', 3, "modles"),
        ("description = 3\n", 1, "description"),
        ("[gateway]\nfoo = 1\n", 2, "gateway.foo"),
        ('targets = ["code", "dekstop"]\n', 1, "targets"),
        ('[models]\nsonnet = "has space"\n', 2, "models.sonnet"),
        ('[gateway]\nurl = "ftp://x"\n', 2, "gateway.url"),
        ('[gateway]\nurl = "http://localhost:8080/anthropic"\n', 2, "gateway.url"),
        ('[gateway]\nkey_env = "X_KEY"\n', 2, "gateway.key_env"),
        # Checks of a whole table point at the table and name the entry in the message.
        ('description = "x"\n[env]\nANTHROPIC_API_KEY = "sk-bf-123"\n', 2, "env: ANTHROPIC_API_KEY"),
        ('[env]\nANTHROPIC_DEFAULT_SONNET_MODEL = "x"\n', 1, "env: ANTHROPIC_DEFAULT_SONNET_MODEL"),
        ('[settings]\nenv = {A = "1"}\n', 1, "settings: 'env'"),
        ('[mcp]\nname = "has space"\n', 2, "mcp.name"),
        # The same key name in two tables: the line is the one in the key's own table.
        ('[env]\nname = "x"\n\n[mcp]\nname = "has space"\n', 5, "mcp.name"),
    ],
)
def test_invalid_profiles_name_file_line_and_key(tmp_path: Path, text: str, where: int, key: str) -> None:
    line = refused(tmp_path, text)
    assert line.startswith(f"{tmp_path / 'p' / 'bad.toml'}:{where}: {key}"), line
    assert "sk-bf-123" not in line


def test_unknown_profile_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile("nope", bundled())
    assert "no profile named 'nope'" in caught.value.line()
    assert "bedrock" in caught.value.line()


@pytest.mark.parametrize("name", ["Bedrock", "../etc/passwd", "a b", ""])
def test_bad_profile_names_are_refused(name: str) -> None:
    with pytest.raises(ProfileError, match="not a profile name"):
        load_profile(name, bundled())


def test_extends_an_unknown_profile(tmp_path: Path) -> None:
    assert "extends: no profile named 'ghost'" in refused(tmp_path, 'extends = "ghost"\n')


def test_an_extends_cycle_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    write_profile(folder, "a", 'extends = "b"\n')
    write_profile(folder, "b", 'extends = "a"\n')
    with pytest.raises(ProfileError, match="cycle"):
        load_profile("a", [ProfileSource("profiles-dir", folder)])


def test_a_profile_that_is_not_utf8(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "bad.toml").write_bytes(b'description = "\xff"\n')
    with pytest.raises(ProfileError, match="not UTF-8"):
        load_profile("bad", [ProfileSource("profiles-dir", folder)])


def test_every_error_is_one_line(tmp_path: Path) -> None:
    for text in ("[gateway\n", "x = 1\n", 'extends = "ghost"\n'):
        assert "\n" not in refused(tmp_path, text)


# --- gateway URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("https://gw.example.com/bifrost/", "https://gw.example.com/bifrost"),
    ],
)
def test_gateway_urls_are_roots(url: str, root: str) -> None:
    assert check_gateway_url(url) == root


@pytest.mark.parametrize(
    "url",
    ["localhost:8080", "ftp://x", "http://u:p@host", "http://host/?q=1", "http://host/anthropic", "http://host/mcp/"],
)
def test_bad_gateway_urls(url: str) -> None:
    with pytest.raises(ValueError):
        check_gateway_url(url)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://localhost:8080", True),
        ("http://127.0.0.1:1", True),
        ("http://[::1]:8080", True),
        ("http://api.localhost", True),
        ("http://10.0.0.5", False),
        ("http://bifrost.example.com", False),
    ],
)
def test_loopback(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_bundled_profile_files_carry_a_why_comment() -> None:
    for path in bundled_profiles_dir().glob("*.toml"):
        assert re.match(r"^# \S", path.read_text("utf-8")), f"{path.name} should start with a comment saying why"
