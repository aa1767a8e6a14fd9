"""Each bundled profile, applied by cbcfg, sends the real client's traffic to the gateway's
/anthropic route, with the virtual key, for the models the profile pins."""

from __future__ import annotations

import pytest

from tests.e2e.harness import KEY_A, MESSAGES, Scenario, key_headers, read_json

pytestmark = pytest.mark.e2e

TIERS = ("sonnet", "opus", "haiku")
# The seed's pins, word for word; the Opus pin is the profile's own (the seed has none) and must
# stay on the same provider, because Claude Code's default model is Opus.
SEED_PINS: dict[str, dict[str, str]] = {
    "bedrock": {
        "sonnet": "bedrock/global.anthropic.claude-sonnet-4-6",
        "haiku": "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0",
    },
    "vertex": {"sonnet": "vertex/claude-sonnet-4-6", "haiku": "vertex/claude-haiku-4-5"},
    "azure": {"sonnet": "azure/claude-sonnet-4-6", "haiku": "azure/claude-haiku-4-5"},
    "local": {},
    "production": {},
}


@pytest.mark.parametrize("profile", list(SEED_PINS))
def test_profile_routes_every_model_through_the_gateway(scenario: Scenario, profile: str) -> None:
    scenario.apply(profile, key=KEY_A)
    env = read_json(scenario.home / ".claude" / "settings.json")["env"]
    pins = {tier: env.get(f"ANTHROPIC_DEFAULT_{tier.upper()}_MODEL") for tier in TIERS}
    for tier, pinned in SEED_PINS[profile].items():
        assert pins[tier] == pinned, f"{profile}: {tier} pin"
    provider = profile if profile in ("bedrock", "vertex", "azure") else None
    if provider:
        assert (pins["opus"] or "").startswith(f"{provider}/"), f"{profile} must pin Opus (the default model)"

    turns = scenario.ask_each([None, *TIERS])

    for model, turn in turns.items():
        request = turn.request
        assert turn.gateway is scenario.gateway
        assert request.route == MESSAGES and request.method == "POST"
        assert len(turn.requests) == 1, f"--model {model}: {[r.path for _, r in turn.requests]}"
        # The header Claude Code uses for the key setting the profile writes, and no other.
        if "ANTHROPIC_AUTH_TOKEN" in env:
            assert key_headers(request) == {"authorization": f"Bearer {KEY_A}"}
        else:
            assert key_headers(request) == {"x-api-key": KEY_A}
        tier = model or "opus"  # Claude Code's default model is Opus
        expected = pins[tier]
        if expected is None:  # not pinned (local, production): the client's own alias
            assert turn.model.startswith(f"claude-{tier}-"), f"--model {model}: {turn.model}"
        else:
            assert turn.model == expected, f"--model {model}"
    # Nothing else went anywhere: the other gateway saw nothing.
    assert scenario.other.requests == []
