"""Bifrost's error bodies, in the shapes its versions and routes use, read as one decision."""

from __future__ import annotations

import json

import pytest

from claude_bifrost_cfg.checks.base import Level
from claude_bifrost_cfg.checks.bifrost_errors import error_code, explain_refusal, server_message

KEY = "sk-bf-0123456789abcdef"


def anthropic_body(error_type: str, message: str) -> bytes:
    return json.dumps({"type": "error", "error": {"type": error_type, "message": message}}).encode()


def bifrost_body(message: str, error_type: str | None = None) -> bytes:
    error = {"message": message} | ({"type": error_type} if error_type else {})
    return json.dumps({"is_bifrost_error": True, "status_code": 400, "error": error}).encode()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (anthropic_body("virtual_key_not_found", "Virtual key not found"), "virtual_key_not_found"),
        (bifrost_body("Virtual key not found"), "virtual_key_not_found"),  # older: only a message
        (bifrost_body("virtual key is required"), "virtual_key_required"),
        (bifrost_body("Virtual key is inactive"), "virtual_key_blocked"),
        (bifrost_body("Rate limit exceeded: 10 requests per minute"), "rate_limited"),
        (bifrost_body("token limit", "token_limited"), "rate_limited"),
        (bifrost_body("budget exceeded for customer"), "budget_exceeded"),
        (b"model_blocked", "model_blocked"),
        (b"<html>Bad gateway</html>", None),
        (b"", None),
    ],
)
def test_error_code(body: bytes, code: str | None) -> None:
    assert error_code(body) == code


def test_an_older_bifrost_answering_403_for_an_unknown_key_is_still_not_found() -> None:
    explained = explain_refusal(403, bifrost_body("Virtual key not found"), key=KEY)

    assert explained.level is Level.FAILED
    assert explained.message == "Bifrost does not know virtual key sk-bf-…cdef"


def test_a_key_echoed_by_the_gateway_is_masked() -> None:
    body = bifrost_body(f"key {KEY} is over budget", "budget_exceeded")

    explained = explain_refusal(402, body, key=KEY)

    assert KEY not in explained.message
    assert "sk-bf-…cdef" in explained.message
    assert KEY not in server_message(body, KEY)


def test_a_status_without_a_known_code_still_gets_a_line_and_a_fix() -> None:
    for status in (401, 402, 403, 429, 500, 418):
        explained = explain_refusal(status, b"nope", key=KEY)
        assert explained.message
        assert explained.fix
        assert KEY not in explained.message


def test_a_long_server_message_is_shortened_to_one_line() -> None:
    said = server_message(bifrost_body("line one\nline two " + "x" * 500))

    assert "\n" not in said
    assert len(said) <= 160
    assert said.endswith("…")
