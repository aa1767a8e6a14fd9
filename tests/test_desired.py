"""render: a profile and the user's inputs in, the desired state of every target out (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_bifrost_cfg.desired import flatten, settings_fragment
from claude_bifrost_cfg.profiles import ProfileSource, bundled_profiles_dir, load_profile
from claude_bifrost_cfg.source import DesktopMcpForm, Source, build_source
from claude_bifrost_cfg.targets import ALL
from tests.cli_helpers import KEY, SEED_ENV, expected_env, gateway_of


def rendered(name: str, key: str | None = KEY, form: DesktopMcpForm = "url", folder: Path | None = None) -> Source:
    sources = [ProfileSource("bundled", bundled_profiles_dir())]
    if folder is not None:
        sources.insert(0, ProfileSource("profiles-dir", folder))
    return build_source(load_profile(name, sources), gateway_of(name), key, form)


@pytest.mark.parametrize("name", list(SEED_ENV))
def test_the_env_block_is_the_seeds(name: str) -> None:
    env = rendered(name).env()
    assert env == expected_env(name, env)
    assert list(env)[:2] == ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"]  # the seed's order


def test_urls_derive_from_the_gateway_root() -> None:
    result = rendered("local")
    assert result.base_url == "http://localhost:8080/anthropic"
    assert result.mcp_url == "http://localhost:8080/mcp"


def test_without_a_key_the_key_is_left_out_and_a_note_says_so() -> None:
    fragment = settings_fragment(rendered("local", key=None))
    assert fragment.wanted == {"/env/ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic"}
    assert not fragment.secret
    assert any("ANTHROPIC_API_KEY left out" in note and "BIFROST_VIRTUAL_KEY" in note for note in fragment.notes)


def test_a_settings_fragment_with_a_key_is_secret() -> None:
    fragment = settings_fragment(rendered("bedrock"))
    assert fragment.secret
    assert fragment.wanted["/env/ANTHROPIC_API_KEY"] == KEY


def test_extra_env_and_settings_become_owned_leaves(tmp_path: Path) -> None:
    (tmp_path / "team.toml").write_text(
        'extends = "local"\n[gateway]\nkey_env = "ANTHROPIC_AUTH_TOKEN"\n'
        '[env]\nCLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1"\n'
        '[settings]\nmodel = "opus"\n[settings.permissions]\ndefaultMode = "plan"\n',
        "utf-8",
    )
    fragment = settings_fragment(rendered("team", folder=tmp_path))
    assert fragment.wanted == {
        "/env/ANTHROPIC_AUTH_TOKEN": KEY,
        "/env/ANTHROPIC_BASE_URL": "http://localhost:8080/anthropic",
        "/env/CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "/model": "opus",
        "/permissions/defaultMode": "plan",  # a leaf, never the user's whole permissions table
    }


def test_flatten_escapes_pointer_characters_and_keeps_empty_tables_as_values() -> None:
    assert dict(flatten({"a/b": {"c~": 1}, "empty": {}})) == {"/a~1b/c~0": 1, "/empty": {}}


def test_render_is_pure() -> None:
    assert rendered("vertex") == rendered("vertex")


@pytest.mark.parametrize(
    "name", ["code", "code-project", "code-local", "desktop", "code-mcp", "project-mcp", "managed"]
)
def test_a_profile_without_mcp_or_a_key_renders_every_target(name: str, tmp_path: Path) -> None:
    (tmp_path / "nomcp.toml").write_text('extends = "local"\n[mcp]\nenabled = false\n', "utf-8")
    fragment = ALL[name].fragment(rendered("nomcp", key=None, folder=tmp_path))
    assert not fragment.secret
    for pointer in fragment.wanted:
        assert not pointer.startswith("/mcpServers")


def test_the_key_is_found_exactly_where_the_builders_put_it() -> None:
    from claude_bifrost_cfg.desired import holds_key, key_written_at
    from claude_bifrost_cfg.targets import ALL

    forms: tuple[DesktopMcpForm, ...] = ("url", "bridge")
    for form in forms:
        source = rendered("local", form=form)
        for target in ALL.values():
            fragment = target.fragment(source)
            found = {key_written_at(p, v) for p, v in _leaves(fragment.wanted) if holds_key(p)} - {None}
            assert found == ({KEY} if fragment.secret else set()), (target.name, form)
    assert key_written_at("/mcpServers/bifrost/headers/Authorization", "Bearer ${BIFROST_VIRTUAL_KEY}") is None
    assert key_written_at("/env/ANTHROPIC_BASE_URL", KEY) is None


def _leaves(wanted: dict[str, object]) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for pointer, value in wanted.items():
        if isinstance(value, dict):
            out.extend(_leaves({f"{pointer}/{k}": v for k, v in value.items()}))
        else:
            out.append((pointer, value))
    return out
