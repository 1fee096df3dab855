"""Slack settings, read from the environment.

    SLACK_BOT_TOKEN       xoxb-… bot token (required)
    SLACK_SIGNING_SECRET  the app's signing secret (required)
    SLACK_APP_TOKEN       xapp-… app-level token: selects Socket Mode
    SLACK_API_URL         Web API base URL (default https://slack.com/api/)
    SLACK_COMMAND         slash command name (default /ask)
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Mapping

from assistant import ConfigError

DEFAULT_API_URL = "https://slack.com/api/"


class SlackConfigError(ConfigError):
    """The Slack settings are missing or wrong (tokens, secret, API URL)."""


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str
    app_token: str | None = None
    """Set -> Socket Mode (no public URL needed); unset -> HTTP Events API."""
    api_url: str = DEFAULT_API_URL
    host: str = "127.0.0.1"
    port: int = 3000
    """0 picks a free port (tests)."""
    path: str = "/slack/events"
    """Where Events API, slash command and interactivity requests arrive."""
    command: str = "/ask"
    max_body_bytes: int = 256 * 1024
    """Bigger requests are refused with 400 before being read."""
    dedupe_seconds: float = 15 * 60
    """How long an event_id and a (channel, ts) are remembered to answer once."""
    history_turns: int = 8
    """Turns (user + assistant) kept per thread and passed as history."""
    max_threads: int = 1000
    """Threads whose history is kept in memory (least recently used dropped)."""
    workers: int = 2
    """Answer workers; the model itself is serialized inside Assistant."""
    max_pending: int = 100
    """Questions waiting beyond this are answered with a 'busy' message."""

    def __post_init__(self) -> None:
        if not self.api_url.endswith("/"):
            object.__setattr__(self, "api_url", self.api_url + "/")
        if not self.path.startswith("/"):
            raise SlackConfigError(f"path must start with '/'. Currently, path is {self.path!r}.")
        if not self.command.startswith("/"):
            raise SlackConfigError(f"command must start with '/'. Currently, command is {self.command!r}.")
        for name in ("max_body_bytes", "history_turns", "max_threads", "workers", "max_pending"):
            if getattr(self, name) < 1:
                raise SlackConfigError(f"{name} must be at least 1. Currently, it is {getattr(self, name)}.")
        if self.dedupe_seconds < 600:
            raise SlackConfigError(
                f"dedupe_seconds must be at least 600 (Slack retries for several minutes). "
                f"Currently, it is {self.dedupe_seconds}."
            )

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "SlackSettings":
        """Settings from SLACK_* environment variables, then `overrides` (None ignored)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for var, name in [
            ("SLACK_BOT_TOKEN", "bot_token"),
            ("SLACK_SIGNING_SECRET", "signing_secret"),
            ("SLACK_APP_TOKEN", "app_token"),
            ("SLACK_API_URL", "api_url"),
            ("SLACK_COMMAND", "command"),
        ]:
            value = (env.get(var) or "").strip()
            if value:
                values[name] = value
        values.update({k: v for k, v in overrides.items() if v is not None})
        missing = [var for var, name in [("SLACK_BOT_TOKEN", "bot_token"), ("SLACK_SIGNING_SECRET", "signing_secret")]
                   if not values.get(name)]
        if missing:
            raise SlackConfigError(
                f"Missing {' and '.join(missing)}. Set {'them' if len(missing) > 1 else 'it'} in the environment: "
                "the bot token (xoxb-…, OAuth & Permissions) and the signing secret (Basic Information) "
                "of your app at https://api.slack.com/apps."
            )
        if not str(values["bot_token"]).startswith("xoxb-"):
            raise SlackConfigError("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'.")
        if values.get("app_token") and not str(values["app_token"]).startswith("xapp-"):
            raise SlackConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'.")
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise SlackConfigError(f"Unknown Slack setting(s): {', '.join(unknown)}.")
        return cls(**values)

    def replace(self, **changes: Any) -> "SlackSettings":
        return dataclasses.replace(self, **changes)
