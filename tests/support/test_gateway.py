"""The test gateway answers like Bifrost, so that what passes against it means something."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from tests.support.gateway import (
    BUILTIN_ALLOWED_HEADERS,
    DEFAULT_KEY,
    BifrostError,
    Blackhole,
    Gateway,
    virtual_key_of,
)

CLAUDE = {"x-api-key": DEFAULT_KEY, "anthropic-version": "2023-06-01"}
ASK = {
    "model": "bedrock/global.anthropic.claude-sonnet-4-6",
    "max_tokens": 8,
    "messages": [{"role": "user", "content": "hi"}],
}


def sse_events(text: str) -> list[dict[str, object]]:
    events = []
    for block in text.strip().split("\n\n"):
        name, data = block.split("\n")
        assert name.startswith("event: ")
        event = json.loads(data.removeprefix("data: "))
        assert event["type"] == name.removeprefix("event: ")
        events.append(event)
    return events


def test_a_streamed_message_is_a_complete_anthropic_sse_stream(gateway: Gateway) -> None:
    response = httpx.post(
        f"{gateway.anthropic_url}/v1/messages?beta=true", headers=CLAUDE, json={**ASK, "stream": True}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert [e["type"] for e in events if e["type"] != "ping"] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[0]["message"]["model"] == ASK["model"]  # type: ignore[index]
    delta = next(e for e in events if e["type"] == "content_block_delta")
    assert delta["delta"] == {"type": "text_delta", "text": "hi"}
    done = next(e for e in events if e["type"] == "message_delta")
    assert done["delta"]["stop_reason"] == "end_turn"  # type: ignore[index]
    assert done["usage"]["output_tokens"] == 1  # type: ignore[index]


def test_a_message_without_stream_is_json(gateway: Gateway) -> None:
    gateway.reply_text = "hello there"

    message = httpx.post(f"{gateway.anthropic_url}/v1/messages", headers=CLAUDE, json=ASK).json()

    assert message["model"] == ASK["model"]
    assert message["content"] == [{"type": "text", "text": "hello there"}]
    assert message["usage"]["input_tokens"] > 0


def test_count_tokens_and_model_lists(gateway: Gateway) -> None:
    gateway.models = ["bedrock/a", "vertex/b"]

    counted = httpx.post(f"{gateway.anthropic_url}/v1/messages/count_tokens", headers=CLAUDE, json=ASK)
    listed = httpx.get(f"{gateway.url}/v1/models", headers=CLAUDE)
    anthropic_listed = httpx.get(f"{gateway.anthropic_url}/v1/models", headers=CLAUDE)

    assert counted.json()["input_tokens"] > 0
    assert [m["id"] for m in listed.json()["data"]] == ["bedrock/a", "vertex/b"]
    assert [m["id"] for m in anthropic_listed.json()["data"]] == ["bedrock/a", "vertex/b"]


def test_health_and_hello(gateway: Gateway) -> None:
    assert httpx.get(f"{gateway.url}/health").json() == {"status": "ok"}
    assert httpx.head(f"{gateway.anthropic_url}/api/hello").status_code == 200
    gateway.health_failures = ["log store down"]
    unhealthy = httpx.get(f"{gateway.url}/health")
    assert unhealthy.status_code == 503
    assert "log store down" in unhealthy.text


def test_every_request_is_recorded(gateway: Gateway) -> None:
    httpx.post(f"{gateway.anthropic_url}/v1/messages?beta=true", headers=CLAUDE, json=ASK)

    (request,) = gateway.requests
    assert (request.method, request.path, request.route, request.query) == (
        "POST",
        "/anthropic/v1/messages?beta=true",
        "/anthropic/v1/messages",
        "beta=true",
    )
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.json() == ASK
    assert request.virtual_key == DEFAULT_KEY


@pytest.mark.parametrize(
    ("headers", "key"),
    [
        ({"x-bf-vk": "anything"}, "anything"),
        ({"authorization": "Bearer sk-bf-1"}, "sk-bf-1"),
        ({"authorization": "Bearer sk-ant-1"}, None),
        ({"x-api-key": "sk-bf-2"}, "sk-bf-2"),
        ({"x-api-key": "sk-ant-2"}, None),
        ({}, None),
    ],
)
def test_the_virtual_key_is_read_as_bifrost_reads_it(headers: dict[str, str], key: str | None) -> None:
    assert virtual_key_of(headers) == key


def test_errors_are_anthropic_shaped_on_anthropic_routes(gateway: Gateway) -> None:
    gateway.error = BifrostError.BUDGET_EXCEEDED

    refused = httpx.post(f"{gateway.anthropic_url}/v1/messages", headers=CLAUDE, json=ASK)
    missing = httpx.get(f"{gateway.anthropic_url}/v1/models", headers={"x-api-key": "not-a-virtual-key"})

    assert refused.status_code == 402
    assert refused.json()["type"] == "error"
    assert refused.json()["error"]["type"] == "budget_exceeded"
    assert missing.status_code == 401
    assert missing.json()["error"]["type"] == "virtual_key_required"


def test_cors_preflight_answers_bifrost_built_in_list_plus_configured_headers(gateway: Gateway) -> None:
    preflight = {"origin": "https://claude.ai", "access-control-request-method": "POST"}

    plain = httpx.options(f"{gateway.anthropic_url}/v1/messages", headers=preflight)
    gateway.client_allowed_headers = ["anthropic-version"]
    added = httpx.options(f"{gateway.anthropic_url}/v1/messages", headers=preflight)
    gateway.allowed_origins = ["https://other.example"]
    refused = httpx.options(f"{gateway.anthropic_url}/v1/messages", headers=preflight)

    assert plain.status_code == 200
    assert plain.headers["access-control-allow-origin"] == "https://claude.ai"
    assert plain.headers["access-control-allow-headers"] == ", ".join(BUILTIN_ALLOWED_HEADERS)
    assert added.headers["access-control-allow-headers"].endswith(", anthropic-version")
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


def test_mcp_requires_a_valid_key_and_can_be_taken_down(gateway: Gateway) -> None:
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}

    without_key = httpx.post(gateway.mcp_url, json=initialize)
    gateway.mcp_status = 503
    down = httpx.post(gateway.mcp_url, json=initialize, headers={"authorization": f"Bearer {DEFAULT_KEY}"})

    assert without_key.status_code == 401
    assert down.status_code == 503
    assert gateway.mcp_methods() == ["initialize", "initialize"]


def test_a_gateway_of_its_own_starts_and_stops_on_a_free_port() -> None:
    with Gateway(keys=["sk-bf-own"], models=["openai/gpt-5"]) as own:
        listed = httpx.get(f"{own.url}/v1/models", headers={"x-api-key": "sk-bf-own"})
        port = own.port
    assert [m["id"] for m in listed.json()["data"]] == ["openai/gpt-5"]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_the_blackhole_accepts_and_never_answers(blackhole: Blackhole) -> None:
    with socket.create_connection(("127.0.0.1", blackhole.port), timeout=1) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recv(1)


def test_the_closed_port_refuses(closed_port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", closed_port), timeout=1).close()
