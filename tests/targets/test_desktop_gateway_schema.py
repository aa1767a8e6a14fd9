"""desktop-gateway's check of the merged configuration, judged by pydantic's engine from core schemas,
says what the pydantic models it replaced said: those models are kept here, as they were, as the
oracle, and generated documents get the same problems from both, word for word."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from claude_bifrost_cfg.desired import desktop_model_problem
from claude_bifrost_cfg.targets import desktop_gateway


class DesktopModel(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    name: str


class DesktopGateway(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    inferenceProvider: str
    inferenceGatewayBaseUrl: str
    inferenceGatewayAuthScheme: str = "bearer"
    inferenceModels: list[DesktopModel | str] = []


def oracle_check(document: Any) -> list[str]:
    """desktop_gateway._check as it was, on the models."""
    try:
        config = DesktopGateway.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        return ["/" + "/".join(str(part) for part in error["loc"]) + ": " + error["msg"]]
    problems = []
    for index, model in enumerate(config.inferenceModels):
        name = model if isinstance(model, str) else model.name
        problem = desktop_model_problem(name)
        if problem:
            problems.append(f"/inferenceModels/{index}: {name!r} {problem}")
    return problems


_names = st.sampled_from(["claude-sonnet-4-6", "bedrock/global.anthropic.claude-opus-4-6", "gpt-4o", "a b", ""])
_scalar = st.one_of(_names, st.text(max_size=6), st.booleans(), st.integers(-2, 2), st.none(), st.floats())
_json = st.recursive(
    _scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
)
_model = st.one_of(
    _names,
    st.fixed_dictionaries({}, optional={"name": _names | _scalar, "supports1m": st.booleans(), "x": _json}),
    _scalar,
)
_document = st.fixed_dictionaries(
    {},
    optional={
        "inferenceProvider": st.just("gateway") | _scalar,
        "inferenceGatewayBaseUrl": st.just("http://localhost:8080/anthropic") | _scalar,
        "inferenceGatewayAuthScheme": st.just("bearer") | _scalar,
        "inferenceModels": st.lists(_model, max_size=4) | _scalar,
        "inferenceGatewayApiKey": _scalar,
        "other": _json,
    },
)


@settings(
    max_examples=400, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(_document)
def test_generated_configurations_get_the_models_words(document: dict[str, Any]) -> None:
    assert desktop_gateway._check(document, None) == oracle_check(document)  # type: ignore[arg-type]


def test_both_verdicts_are_reached() -> None:
    good = {"inferenceProvider": "gateway", "inferenceGatewayBaseUrl": "http://h/anthropic", "inferenceModels": []}
    assert desktop_gateway._check(good, None) == [] == oracle_check(good)  # type: ignore[arg-type]
    bad = {**good, "inferenceModels": [{"name": 3}, "claude-sonnet-4-6"]}
    assert desktop_gateway._check(bad, None) == oracle_check(bad) != []  # type: ignore[arg-type]
