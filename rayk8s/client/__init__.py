"""The Python API (see client.py) and its transports."""

from .client import AsyncClient, Client
from .manifests import documents
from .transport import ErrorReply, InProcessTransport, Transport

__all__ = ["AsyncClient", "Client", "ErrorReply", "InProcessTransport", "Transport", "documents"]
