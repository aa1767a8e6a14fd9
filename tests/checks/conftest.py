from __future__ import annotations

import pytest

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks honour proxy variables, as Claude Code does; the test gateway is on loopback."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
