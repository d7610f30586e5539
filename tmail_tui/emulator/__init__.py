"""A local, faithful emulator of the Temp Mail User API, for the demo and the tests."""

from .server import FREE_DOMAINS, PREMIUM_DOMAINS, Emulator, Fault

__all__ = ["Emulator", "Fault", "FREE_DOMAINS", "PREMIUM_DOMAINS"]
