"""``cbcfg models``: the models the key may use, from a real gateway on 127.0.0.1 (tests/support/gateway.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli_helpers import KEY, OTHER_KEY, Scratch
from tests.support.gateway import DEFAULT_MODELS, Gateway


@pytest.fixture
def gw(gateway: Gateway) -> Iterator[Gateway]:
    gateway.keys.add(KEY)
    yield gateway


def test_models_by_provider_with_the_profile_pins(scratch: Scratch, gw: Gateway) -> None:
    result = scratch.cbcfg("models", "--profile", "bedrock", "--gateway-url", gw.url, "--json", key=KEY)
    assert result.exit_code == 0, result.output
    data = result.json
    assert data["command"] == "models"
    assert data["gateway_url"] == gw.url
    assert data["profile"] == "bedrock"
    providers = {group["provider"]: group["models"] for group in data["providers"]}
    assert list(providers) == sorted({m.split("/")[0] for m in DEFAULT_MODELS})
    assert sum(len(models) for models in providers.values()) == len(DEFAULT_MODELS)
    pinned = {m["id"]: m["pinned"] for m in providers["bedrock"]}
    assert pinned == {
        "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0": ["haiku"],
        "bedrock/global.anthropic.claude-opus-4-6-v1": ["opus"],
        "bedrock/global.anthropic.claude-sonnet-4-6": ["sonnet"],
    }
    assert all(not m["pinned"] for m in providers["anthropic"])
    assert data["missing_pins"] == []
    (request,) = [r for r in gw.requests if r.route == "/v1/models"]
    assert request.virtual_key == KEY


def test_models_text_marks_the_pins(scratch: Scratch, gw: Gateway) -> None:
    result = scratch.cbcfg("models", "-p", "vertex", "--gateway-url", gw.url, key=KEY)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "vertex" in lines and "openai" in lines
    assert "  vertex/claude-sonnet-4-6   <- pinned: sonnet" in lines
    assert "  openai/gpt-5" in lines
    # vertex's opus pin is not offered by this gateway: said, on stderr
    assert "the opus pin 'vertex/claude-opus-4-6' is not among the models this key may use" in result.stderr


def test_models_from_the_settings_in_effect(scratch: Scratch, gw: Gateway) -> None:
    """No --profile: the gateway, the key and the pins come from the settings Claude Code reads."""
    applied = scratch.cbcfg("apply", "azure", "-t", "code", "--gateway-url", gw.url, "--yes", key=KEY)
    assert applied.exit_code == 0, applied.output
    result = scratch.cbcfg("models", "--json")
    assert result.exit_code == 0, result.output
    assert result.json["gateway_url"] == gw.url
    assert result.json["pins"]["sonnet"] == "azure/claude-sonnet-4-6"
    assert result.json["missing_pins"] == ["opus"]
    assert [r.virtual_key for r in gw.requests if r.route == "/v1/models"] == [KEY]


def test_a_refused_key_is_one_line(scratch: Scratch, gw: Gateway) -> None:
    result = scratch.cbcfg("models", "--gateway-url", gw.url, key=OTHER_KEY)
    assert result.exit_code == 5
    assert "the gateway refused the key (401" in result.error_line()


def test_an_unreachable_gateway_is_one_line_and_exit_12(scratch: Scratch, closed_port: int) -> None:
    result = scratch.cbcfg("models", "--gateway-url", f"http://127.0.0.1:{closed_port}", key=KEY)
    assert result.exit_code == 12
    assert "cannot reach the gateway" in result.error_line()


def test_not_a_gateway_is_exit_12(scratch: Scratch, gw: Gateway) -> None:
    result = scratch.cbcfg("models", "--gateway-url", gw.url + "/nothing", key=KEY)
    assert result.exit_code == 12
    assert "answered 404" in result.error_line()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--gateway-url", "ftp://x"], 2, "the gateway URL must be an http"),
        (["--profile", "ghost"], 4, "no profile named 'ghost'"),
        (["--timeout", "0"], 2, "--timeout"),
    ],
)
def test_bad_input(scratch: Scratch, args: list[str], code: int, message: str) -> None:
    result = scratch.cbcfg("models", *args, key=KEY)
    assert result.exit_code == code, result.output
    assert message in result.stderr
