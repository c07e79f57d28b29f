"""Serving the web app with uvicorn: as ``partnerflow web`` (a child of ``partnerflow up``) or in
a thread (the demo, the tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


def web_server(app: FastAPI, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server for ``app`` that logs only warnings (the access log would print tokens)."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    return uvicorn.Server(config)


@contextmanager
def web_in_thread(app: FastAPI, host: str, port: int, *, start_seconds: float = 10.0) -> Iterator[str]:
    """Serve ``app`` in a background thread; yields its base URL; stops it on exit."""
    server = web_server(app, host, port)
    thread = threading.Thread(target=server.run, name="partnerflow-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_seconds
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the web app did not start on {host}:{port}")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
