"""The chat model backend. The one method a backend must write is `stream_chat`.

`LlamaCppModel` runs any GGUF file in-process through llama-cpp-python, with
the model's own chat template; `openai_model.OpenAIChatModel` talks to an
OpenAI-compatible server (`llm = "openai"`). A llama.cpp context is not thread-safe, so
every call holds the model's lock; callers in other threads wait their turn.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

from .errors import ModelError

Message = dict[str, str]


class ChatModel(Protocol):
    name: str

    def stream_chat(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        """Yield the reply, piece by piece, at temperature 0."""
        ...

    def count_tokens(self, text: str) -> int: ...


def open_model(settings) -> ChatModel:
    """The chat model named by `settings.llm` (the one factory for model
    backends; a third backend is one module and one entry in `BACKENDS`)."""
    return BACKENDS[settings.llm](settings)


def _llamacpp(settings) -> ChatModel:
    from . import modelfiles

    path = modelfiles.resolve(settings.chat_model, "chat", settings)
    return LlamaCppModel(path, settings.threads, settings.context_tokens)


def _openai(settings) -> ChatModel:
    from .openai_model import OpenAIChatModel

    return OpenAIChatModel(settings.llm_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout)


BACKENDS: dict[str, Callable[..., ChatModel]] = {"llamacpp": _llamacpp, "openai": _openai}


class LlamaCppModel:
    def __init__(self, path: Path, threads: int = 2, context_tokens: int = 2048) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelError("llama-cpp-python is not installed. Run `make setup` (or `pip install -e .`).") from exc
        self.name = path.name
        self._lock = threading.Lock()
        try:
            with _quiet_stderr():
                self._llm = Llama(
                    model_path=str(path), n_ctx=context_tokens, n_threads=threads, n_threads_batch=threads,
                    n_batch=512, seed=0, verbose=False,
                )
        except Exception as exc:
            raise ModelError(
                f"Cannot load the chat model {path}: {exc}. Check that it is a GGUF file; for the default "
                "model, delete it and run `assistant models pull`."
            ) from exc

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream_chat(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        with self._lock:
            # Each prompt is read from its first token. llama.cpp would reuse
            # the part it shares with the previous prompt, and numbers computed
            # in another batch differ in their last digits: the same question
            # then got another answer depending on what was asked before. It
            # costs about 0.25 s a question (p50 1.1 -> 1.4 s on the seeds).
            self._llm.reset()
            stream = self._llm.create_chat_completion(
                messages=list(messages), temperature=0.0, top_k=1, repeat_penalty=1.1,
                max_tokens=max_tokens, stream=True,
            )
            for part in stream:
                piece = part["choices"][0]["delta"].get("content")
                if piece:
                    yield piece


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """llama.cpp prints its load log to fd 2 even with verbose=False on some builds."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
