"""pytest fixtures around the test gateway; registered by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.certificates import Certificates, make_certificates, openssl_available
from tests.support.gateway import Blackhole, Gateway
from tests.support.gateway import closed_port as _closed_port


@pytest.fixture(scope="session")
def gateway_server() -> Iterator[Gateway]:
    """One gateway for the whole session (it starts in a few milliseconds, but `import mcp` does not)."""
    with Gateway() as gateway:
        yield gateway


@pytest.fixture
def gateway(gateway_server: Gateway) -> Iterator[Gateway]:
    """The session's gateway, reset: healthy, the default key valid and enforced, no requests recorded."""
    gateway_server.reset()
    yield gateway_server
    gateway_server.reset()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway CA and a certificate it signed for 127.0.0.1 (needs the openssl command)."""
    if not openssl_available():
        pytest.skip("the openssl command is not installed")
    return make_certificates(tmp_path_factory.mktemp("certificates"))


@pytest.fixture(scope="session")
def tls_gateway_server(certificates: Certificates) -> Iterator[Gateway]:
    with Gateway(tls=(str(certificates.cert), str(certificates.key))) as gateway:
        yield gateway


@pytest.fixture
def tls_gateway(tls_gateway_server: Gateway) -> Iterator[Gateway]:
    """Like `gateway`, over https with a certificate from the `certificates` CA."""
    tls_gateway_server.reset()
    yield tls_gateway_server
    tls_gateway_server.reset()


@pytest.fixture
def blackhole() -> Iterator[Blackhole]:
    """A port that accepts connections and never answers."""
    with Blackhole() as hole:
        yield hole


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on."""
    return _closed_port()
