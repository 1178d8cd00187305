import pytest

from rayk8s.client import Client, InProcessTransport
from rayk8s.clock import FakeClock


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def kube(clock):
    """A client over an in-process registry and in-memory store (no Ray)."""
    transport = InProcessTransport(clock=clock)
    client = Client(transport)
    yield client
    client.close()
