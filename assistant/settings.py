"""One typed settings object: defaults, then a TOML file, then environment
variables, then keyword arguments, each overriding the one before.

    ASSISTANT_DATA_DIR=/tmp/news ASSISTANT_TOP_K=8 assistant search "Trainium2"
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .policy import DEFAULT_POLICY, AnswerPolicy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "ASSISTANT_"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    """Where the Chroma collection and the lexical index live."""
    models_dir: Path = PROJECT_ROOT / "models"
    """Holds manifest.toml; fetched weights go to its cache/ folder."""
    chat_model: str = "qwen2.5-coder-0.5b-instruct"
    """A model name from the manifest, or a path to any GGUF file."""
    embed_model: str = "muse-v3-quantized"
    chunk_tokens: int = 160
    """Chunk size, in tiktoken (cl100k) tokens."""
    chunk_overlap: int = 32
    top_k: int = 5
    threads: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))
    context_tokens: int = 2048
    """llama.cpp context window; the prompt budget is counted in it."""
    max_answer_tokens: int = 80
    max_question_chars: int = 1000
    max_file_bytes: int = 5_000_000
    store: str = "embedded"
    """`embedded` (Chroma on disk) or `http` (a `chroma run` server)."""
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8000
    collection: str = "news"
    answer_policy: AnswerPolicy = field(default_factory=AnswerPolicy)
    """Every threshold and word list that decides answers (see policy.py); in a
    TOML file, an `[assistant.answer_policy]` table overrides single fields."""
    llm: str = "llamacpp"
    """`llamacpp` (the GGUF in-process) or `openai` (an OpenAI-compatible server at `llm_url`)."""
    llm_url: str = "http://127.0.0.1:8080/v1"
    llm_model: str = ""
    """The model name the server knows; empty: the server's only (first) model."""
    llm_api_key: str = field(default="", repr=False)
    """Sent as a bearer token; set it through ASSISTANT_LLM_API_KEY, not a file."""
    llm_timeout: int = 120
    """Seconds to wait for the model server before giving up."""
    refresh_seconds: int = 2
    """How often a running process looks for articles other processes added or removed."""
    lock_timeout: int = 600
    """Seconds a writer waits for another process's ingest or remove to finish."""
    ingest_batch: int = 256
    """Chunks embedded and stored together while ingesting."""

    def __post_init__(self) -> None:
        for name, value, low in [
            ("chunk_tokens", self.chunk_tokens, 16),
            ("top_k", self.top_k, 1),
            ("threads", self.threads, 1),
            ("context_tokens", self.context_tokens, 512),
            ("max_answer_tokens", self.max_answer_tokens, 8),
            ("max_question_chars", self.max_question_chars, 10),
            ("max_file_bytes", self.max_file_bytes, 1),
            ("llm_timeout", self.llm_timeout, 1),
            ("refresh_seconds", self.refresh_seconds, 0),
            ("lock_timeout", self.lock_timeout, 0),
            ("ingest_batch", self.ingest_batch, 1),
        ]:
            if value < low:
                raise ConfigError(f"{name} must be at least {low}. Currently, {name} is {value}.")
        if not 0 <= self.chunk_overlap < self.chunk_tokens:
            raise ConfigError(
                f"chunk_overlap must be between 0 and chunk_tokens ({self.chunk_tokens}). "
                f"Currently, chunk_overlap is {self.chunk_overlap}."
            )
        if self.store not in ("embedded", "http"):
            raise ConfigError(f"store must be 'embedded' or 'http'. Currently, store is {self.store!r}.")
        if self.llm not in ("llamacpp", "openai"):
            raise ConfigError(f"llm must be 'llamacpp' or 'openai'. Currently, llm is {self.llm!r}.")

    @property
    def model_cache(self) -> Path:
        return self.models_dir / "cache"

    @classmethod
    def load(cls, config_file: str | Path | None = None, **overrides: Any) -> "Settings":
        """Build settings from the config file, the environment, then `overrides`."""
        values: dict[str, Any] = {}
        path = config_file or os.environ.get(ENV_PREFIX + "CONFIG")
        if path:
            values.update(_read_toml(Path(path)))
        known = {f.name: f for f in fields(cls)}
        for name in known:
            env = os.environ.get(ENV_PREFIX + name.upper())
            if env is not None and env != "":
                values[name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(
                f"Unknown setting(s): {', '.join(unknown)}. Known settings: {', '.join(known)}."
            )
        return cls(**{k: _coerce(known[k], v) for k, v in values.items()})

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist. Create it or unset ASSISTANT_CONFIG.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path} is not valid TOML: {exc}. Fix the file and retry.") from exc
    return data.get("assistant", data)


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
    if kind == "AnswerPolicy":
        return _policy(value)
    try:
        if kind == "Path":
            return Path(value).expanduser()
        if kind == "int":
            return int(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{f.name} must be a whole number. Currently, {f.name} is {value!r}.") from None


def _policy(value: Any) -> AnswerPolicy:
    if isinstance(value, AnswerPolicy):
        return value
    if not isinstance(value, dict):
        raise ConfigError("answer_policy must be a table of policy fields, e.g. [assistant.answer_policy] min_score = 0.3.")
    known = {f.name: f for f in fields(AnswerPolicy)}
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ConfigError(f"Unknown answer_policy field(s): {', '.join(unknown)}. Known fields: {', '.join(known)}.")
    out = {}
    for name, v in value.items():
        default = getattr(DEFAULT_POLICY, name)
        try:
            out[name] = frozenset(v) if isinstance(default, frozenset) else type(default)(v)
        except (TypeError, ValueError):
            raise ConfigError(f"answer_policy.{name} must be like {default!r:.60}. Currently, it is {v!r}.") from None
    return AnswerPolicy(**out)
