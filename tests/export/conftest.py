"""Every test here runs the real CLI against a scratch machine (tests/cli_helpers.py)."""

from tests.cli_helpers import scratch

__all__ = ["scratch"]
