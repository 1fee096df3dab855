"""The exceptions a user of the assistant can meet.

Every message says what to do next. Foreign exceptions (Chroma, llama.cpp,
onnxruntime) are translated into these at the boundary.

    AssistantError
    ├── ConfigError          a setting has a bad value
    ├── ModelError           a model file is missing, corrupt or cannot load
    ├── StoreError           the article store cannot be opened or used
    ├── IngestError          a file cannot be read as an article
    ├── QuestionError        the question is empty, too long or malformed
    ├── EmptyLibraryError    no articles have been ingested yet
    └── PortInUseError       a server cannot listen: the port is taken
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: anything the assistant raises on purpose."""


class ConfigError(AssistantError, ValueError):
    pass


class ModelError(AssistantError):
    pass


class StoreError(AssistantError):
    pass


class IngestError(AssistantError):
    pass


class QuestionError(AssistantError, ValueError):
    pass


class EmptyLibraryError(AssistantError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "No articles have been ingested yet. Add some with "
            "`assistant ingest PATH...` (for example `assistant ingest seeds/`)."
        )


class PortInUseError(AssistantError, OSError):
    """A server (web UI, Slack bot, HTTP API) cannot bind its port. Also an
    OSError, so code that caught the bind failure before still does."""
