"""A fake SMS/WhatsApp gateway: a small HTTP server that keeps (and logs) what it is sent.

The tests start it for real (the transport talks HTTP to it, nothing is
mocked) and ``pamong demo`` runs one so a trainer sees the SMS a citizen
would get, in ``demo-sms.log`` of the instance. Set ``status`` to 503 to
play a gateway that is down; the outbox keeps the deliveries and retries.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class FakeGateway:
    """``start()`` it, point ``sms_gateway_url`` at :attr:`url`, read :attr:`received`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, log: Path | None = None):
        self.received: list[dict[str, Any]] = []
        #: The HTTP status it answers with (200 accepted; 503 plays a gateway that is down).
        self.status = 200
        self.log = log
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/send"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(min(length, 1_000_000)) or b"{}")
                except ValueError:
                    self.send_response(400)
                    self.end_headers()
                    return
                status = gateway.status
                if status < 300:
                    gateway._keep(
                        {
                            **body,
                            "auth": self.headers.get("Authorization"),
                            "key": self.headers.get("Idempotency-Key"),
                        }
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass  # quiet: the messages it keeps are the log

        return Handler

    def _keep(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(message)
            if self.log is not None:
                with self.log.open("a", encoding="utf-8") as out:
                    kept = {k: message.get(k) for k in ("to", "text", "reference", "channel")}
                    out.write(json.dumps(kept, ensure_ascii=False) + "\n")
        logger.info("fake gateway: to %s: %s", message.get("to"), message.get("text"))

    def start(self) -> FakeGateway:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-gateway", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
