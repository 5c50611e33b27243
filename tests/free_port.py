"""A free TCP port on 127.0.0.1, for launchers whose default port (29500) two concurrent tests would share.

`make test` runs the tests in two pytest-xdist workers, so two multi-process tests can start at once; each launch
that takes a port gets its own. The port is free when returned: a race with another process that binds it before
the launcher does is possible but needs an unrelated process to pick the same port within milliseconds.
"""
from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
