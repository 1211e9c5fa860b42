"""A local, Cronofy-compatible server so the whole calendar flow runs offline."""

from sandbox.hosts import create_api_host, create_app_host
from sandbox.server import SandboxServer
from sandbox.state import SandboxState

__all__ = ["SandboxServer", "SandboxState", "create_api_host", "create_app_host"]
