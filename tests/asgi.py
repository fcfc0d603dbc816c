"""A GET as an ASGI server hands it to the application, for tests that call certify's ASGI
application directly (no test client between them)."""

from __future__ import annotations

from typing import Any


def get_scope(path: str, *, cookie: str = "") -> dict[str, Any]:
    """The HTTP scope of `GET path` from 127.0.0.1 to testserver, with `cookie` if given."""
    headers = [(b"host", b"testserver")] + ([(b"cookie", cookie.encode())] if cookie else [])
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
