"""Settings of the HTTP API: where it listens, its key, and its limits.

    ApiSettings(port=8100, api_key="s3cret")
    ApiSettings.from_env(host="0.0.0.0")          # ASSISTANT_API_KEY is read here
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from dataclasses import dataclass
from typing import Any, Mapping

from assistant import ConfigError

MODEL_ID = "news-assistant"


@dataclass(frozen=True)
class ApiSettings:
    host: str = "127.0.0.1"
    port: int = 8100
    """0 picks a free port (tests)."""
    api_key: str | None = None
    """When set, every /v1 route needs `Authorization: Bearer <api_key>`."""
    model_id: str = MODEL_ID
    max_body_bytes: int = 256 * 1024
    """Largest JSON request body; bigger ones get 413."""
    max_upload_bytes: int = 5 * 1024 * 1024 + 64 * 1024
    """Largest /v1/documents upload body (one 5 MB article plus form overhead)."""
    max_queue: int = 16
    """Requests answering or waiting (chat, search, embeddings, uploads); more get 429."""
    max_messages: int = 101
    """Most messages in one chat request (50 earlier turns, each a question and an answer, plus the question)."""
    max_embedding_inputs: int = 64
    max_embedding_chars: int = 8000
    max_search_k: int = 50
    backlog: int = 2048
    """Listen backlog: connections the kernel holds while the server is busy accepting."""

    def __post_init__(self) -> None:
        if self.api_key is not None and not self.api_key.strip():
            object.__setattr__(self, "api_key", None)
        for name in ("max_body_bytes", "max_upload_bytes", "max_queue", "max_messages", "max_embedding_inputs",
                     "max_embedding_chars", "max_search_k", "backlog"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1. Currently, {name} is {getattr(self, name)}.")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be between 0 and 65535. Currently, port is {self.port}.")
        if not self.api_key and not is_loopback(self.host):
            raise ConfigError(
                f"Refusing to listen on {self.host} without an API key: anyone who can reach it could use it. "
                "Set one with --api-key KEY (or ASSISTANT_API_KEY), or leave out --host to stay on 127.0.0.1."
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "ApiSettings":
        """Settings from ASSISTANT_API_KEY, then `overrides` (None ignored)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if (env.get("ASSISTANT_API_KEY") or "").strip():
            values["api_key"] = env["ASSISTANT_API_KEY"].strip()
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> "ApiSettings":
        return dataclasses.replace(self, **changes)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
