"""A local, grounded news assistant: answers only from ingested articles,
with every sentence checked against the passage it cites."""

from .answer import Answer, Citation
from .core import Assistant
from .errors import (
    AssistantError,
    ConfigError,
    EmptyLibraryError,
    IngestError,
    ModelError,
    QuestionError,
    StoreError,
)
from .library import Document, FileResult, IngestReport
from .retrieval import Passage, Where
from .settings import Settings

__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "Citation",
    "ConfigError",
    "Document",
    "EmptyLibraryError",
    "FileResult",
    "IngestError",
    "IngestReport",
    "ModelError",
    "Passage",
    "QuestionError",
    "Settings",
    "StoreError",
    "Where",
]
