"""A real webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread.

It checks every request's signature with the recipe of docs/webhooks.md, written
here from the documentation and not imported from the product, and answers with
the statuses it is given in turn (the last one repeats).
"""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# docs/webhooks.md: refuse a timestamp further than this from the receiver's clock.
TOLERANCE_SECONDS = 300


def verify(secret: str, headers, body: bytes) -> bool:
    """The documented check: a fresh timestamp, and one ``v1=`` signature that matches."""
    timestamp = headers["Webhook-Timestamp"]
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(
        hmac.compare_digest(expected, part[3:])
        for part in headers["Webhook-Signature"].split()
        if part.startswith("v1=")
    )


class Receiver:
    """``with Receiver(secret, statuses=[500, 500, 200]) as receiver: ... receiver.url``.

    ``statuses`` answer the requests in turn (the last repeats); ``delay`` seconds
    pass before each answer.
    """

    def __init__(
        self, secret: str = "", *, statuses=(200,), path: str = "/hooks", delay: float = 0
    ) -> None:
        self.secret = secret
        self.statuses = list(statuses)
        self.path = path
        self.requests: list[dict] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.arrived:
                    index = len(receiver.requests)
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": body,
                            "json": json.loads(body),
                            "verified": verify(receiver.secret, self.headers, body),
                        }
                    )
                    receiver.arrived.notify_all()
                status = receiver.statuses[min(index, len(receiver.statuses) - 1)]
                time.sleep(delay)  # a slow receiver
                answer = f"answer {index + 1}: {status}".encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}{path}"

    def __enter__(self) -> "Receiver":
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def wait_for(self, count: int, *, timeout: float = 30) -> list[dict]:
        """Block until ``count`` requests arrived (for deliveries sent by a worker)."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
        return self.requests
