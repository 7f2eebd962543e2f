"""A real HTTP server on 127.0.0.1 for tests: routes map a path to a response or a handler.

Tests register routes as (status, headers, body) tuples, or callables taking the request
handler and returning such a tuple (for slow, redirecting or stateful endpoints).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Response = tuple[int, dict[str, str], bytes]
Route = Response | Callable[[BaseHTTPRequestHandler], Response | None]


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = self.path
                server.hits[path] = server.hits.get(path, 0) + 1
                server.requests.append({"path": path, "headers": dict(self.headers)})
                route = server.routes.get(path) or server.routes.get(path.split("?")[0])
                if route is None:
                    resp: Response | None = (404, {"Content-Type": "text/plain"}, b"not found")
                elif callable(route):
                    resp = route(self)
                else:
                    resp = route
                if resp is None:  # the handler wrote the response itself
                    return
                status, headers, body = resp
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if not any(k.lower() == "content-length" for k in headers):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
