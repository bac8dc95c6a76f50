"""Helpers shared by the integration tests."""

import socket


def free_port(taken, attempts=500):
    """A port free for both UDP and TCP on 127.0.0.1 and not in `taken` (which it
    joins), so one test run never hands the same port out twice."""
    for _ in range(attempts):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            if port in taken:
                continue
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind(("127.0.0.1", port))
            except OSError:
                continue
            finally:
                t.close()
            taken.add(port)
            return port
        finally:
            u.close()
    raise RuntimeError("no free port found")
