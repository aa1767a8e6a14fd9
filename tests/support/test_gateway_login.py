"""The test gateway's /claude-code answers as Bifrost's claudecodegateway.go does."""

from __future__ import annotations

import httpx

from tests.support.gateway import DEFAULT_KEY, Gateway
from tests.support.gateway_login import DEVICE_GRANT, settings_checksum


def sign_in(gateway: Gateway, client: httpx.Client) -> tuple[str, str]:
    base = gateway.login.base_url
    started = client.post(base + "/oauth/device_authorization", data={"surface": "claude_code"}).json()
    poll = {"grant_type": DEVICE_GRANT, "device_code": started["device_code"]}
    pending = client.post(base + "/oauth/token", data=poll)
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    gateway.login.approve(started["user_code"])
    tokens = client.post(base + "/oauth/token", data=poll).json()
    assert client.post(base + "/oauth/token", data=poll).json()["error"] == "expired_token"  # single use
    return tokens["access_token"], tokens["refresh_token"]


def test_discovery_names_same_origin_endpoints(gateway: Gateway) -> None:
    document = httpx.get(gateway.login.base_url + "/.well-known/oauth-authorization-server").json()
    assert document["device_authorization_endpoint"] == gateway.login.base_url + "/oauth/device_authorization"
    assert document["revocation_endpoint"] == gateway.login.base_url + "/oauth/revoke"


def test_device_flow_then_inference_with_the_token_and_refresh(gateway: Gateway) -> None:
    with httpx.Client() as client:
        access, refresh = sign_in(gateway, client)
        body = {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}
        answer = client.post(
            gateway.login.base_url + "/v1/messages", json=body, headers={"authorization": f"Bearer {access}"}
        )
        assert answer.status_code == 200 and answer.json()["content"][0]["text"] == "hi"
        renewed = client.post(
            gateway.login.base_url + "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh}
        )
        assert renewed.status_code == 200 and renewed.json()["access_token"] != access
        again = client.post(
            gateway.login.base_url + "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh}
        )
        assert again.json()["error"] == "invalid_grant"  # refresh tokens rotate


def test_a_static_virtual_key_is_refused_on_claude_code_v1(gateway: Gateway) -> None:
    body = {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}
    for headers in ({"authorization": f"Bearer {DEFAULT_KEY}"}, {"x-api-key": DEFAULT_KEY}, {"x-bf-vk": DEFAULT_KEY}):
        answer = httpx.post(gateway.login.base_url + "/v1/messages", json=body, headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json()["error"]["type"] == "authentication_error"
        assert answer.headers["x-should-retry"] == "false"


def test_managed_settings_carry_the_checksum_etag(gateway: Gateway) -> None:
    gateway.login.managed_settings = {"b": 1, "a": {"z": "é", "y": [1, 2]}}
    with httpx.Client() as client:
        access, _ = sign_in(gateway, client)
        auth = {"authorization": f"Bearer {access}"}
        served = client.get(gateway.login.base_url + "/managed/settings", headers=auth)
        checksum = settings_checksum(gateway.login.managed_settings)
        assert (
            checksum == "sha256:" + __import__("hashlib").sha256('{"a":{"y":[1,2],"z":"é"},"b":1}'.encode()).hexdigest()
        )
        assert served.headers["etag"] == f'"{checksum}"' and served.json()["checksum"] == checksum
        unchanged = client.get(
            gateway.login.base_url + "/managed/settings", headers={**auth, "if-none-match": f'"{checksum}"'}
        )
        assert unchanged.status_code == 304


def test_revocation_and_the_protocol_turned_off(gateway: Gateway) -> None:
    with httpx.Client() as client:
        access, refresh = sign_in(gateway, client)
        assert client.post(gateway.login.base_url + "/oauth/revoke", data={"token": refresh}).status_code == 200
        assert refresh in gateway.login.revoked
        assert gateway.login.live_token(access)  # a stateless JWT: it expires, revoking cannot end it
        renew = {"grant_type": "refresh_token", "refresh_token": refresh}
        assert client.post(gateway.login.base_url + "/oauth/token", data=renew).json()["error"] == "invalid_grant"
    gateway.login.enabled = False
    assert httpx.get(gateway.login.base_url + "/.well-known/oauth-authorization-server").status_code == 404
    assert httpx.get(gateway.login.base_url + "/oauth/device_authorization").status_code == 404


def test_a_get_on_the_device_endpoint_is_405_and_starts_nothing(gateway: Gateway) -> None:
    answer = httpx.get(gateway.login.base_url + "/oauth/device_authorization")
    assert answer.status_code == 405 and gateway.login.grants == []
    httpx.get(gateway.login.base_url + "/somewhere/else")
    assert [r.route for r in gateway.login.unknown] == ["/claude-code/somewhere/else"]
