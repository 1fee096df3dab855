"""What the web UI tests share: a free port, the app started on loopback,
whitespace folding for comparing page text with article text, and where
the browser tests save their screenshots (tests/output/screenshots/)."""

from __future__ import annotations

import socket
from pathlib import Path

from assistant import Assistant
from conftest import SEEDS
from ui import build_app, launch

SEED_NAMES = {p.name for p in SEEDS.iterdir()}
SCREENSHOTS = Path(__file__).resolve().parent / "output" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(assistant: Assistant, auth=None, port: int | None = None, **kwargs):
    """Build the app and serve it on 127.0.0.1 in the background: (app, url)."""
    app = build_app(assistant, **kwargs)
    return app, launch(app, "127.0.0.1", port or free_port(), auth=auth, block=False, quiet=True)


def fold(text: str) -> str:
    return " ".join(text.split())
