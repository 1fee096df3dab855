"""Running the API on uvicorn: in the foreground (`assistant api`), or in a
background thread (tests).

    server = ApiServer(create_app(assistant, settings), settings).start()
    server.url            # http://127.0.0.1:PORT
    server.stop()
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from typing import Any, Callable

import uvicorn

from assistant import Assistant
from assistant.errors import PortInUseError

from .app import create_app
from .config import ApiSettings

log = logging.getLogger("api")


def bind(host: str, port: int, backlog: int) -> socket.socket:
    """A listening socket, or PortInUseError saying what to do."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]") if host != "localhost" else "127.0.0.1", port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(f"Port {port} on {host} is already in use. Stop the other server, or pick "
                                 "another port: assistant api --port N.") from None
        raise PortInUseError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}. Check --host and --port.") from None
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


class ApiServer:
    def __init__(self, app: Any, settings: ApiSettings) -> None:
        self.app = app
        self.settings = settings
        self.socket = bind(settings.host, settings.port, settings.backlog)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                backlog=settings.backlog, timeout_keep_alive=15, timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.socket.getsockname()[1]

    @property
    def url(self) -> str:
        host = self.settings.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    def start(self, timeout: float = 30.0) -> "ApiServer":
        """Serve in a background thread; returns once it accepts connections."""
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]},
                                        name="api-http", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The API server did not start; see the log.")
            time.sleep(0.02)
        return self

    def serve_forever(self) -> None:
        self.server.run(sockets=[self.socket])

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread:
            self._thread.join(timeout=10)
        self.socket.close()

    def __enter__(self) -> "ApiServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def serve(assistant: Assistant | Callable[[], Assistant], settings: ApiSettings | None = None) -> None:
    """Serve until Ctrl-C. The port is bound first (PortInUseError at once);
    the assistant loads in the background; if it cannot load, the server
    stops and its AssistantError is raised here."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings or ApiSettings.from_env()
    failure: list[Exception] = []
    holder: dict[str, ApiServer] = {}

    def stop_on_failure(exc: Exception) -> None:
        failure.append(exc)
        holder["server"].server.should_exit = True

    server = holder["server"] = ApiServer(create_app(assistant, settings, on_load_failure=stop_on_failure), settings)
    auth = "Authorization: Bearer required" if settings.api_key else "no API key: local connections only"
    print(f"News assistant API at {server.url}/v1 ({auth}); loading models...", flush=True)
    server.serve_forever()
    server.socket.close()
    if failure:
        raise failure[0]
