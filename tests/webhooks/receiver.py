"""A partner's webhook receiver, for real: an HTTP server on 127.0.0.1 that keeps every request
and answers the statuses it is told to (then 204)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from partnerflow.notify import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=list)  # the next statuses, then 204
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> list[str]:
        return [request.headers["webhook-id"] for request in self.requests]


@contextmanager
def receiver() -> Iterator[Receiver]:
    port = free_port()
    kept = Receiver(f"http://127.0.0.1:{port}/hooks/partnerflow")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with kept.lock:
                kept.requests.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                status = kept.answers.pop(0) if kept.answers else 204
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield kept
    finally:
        server.shutdown()
        server.server_close()
