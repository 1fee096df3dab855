"""A chat model behind an OpenAI-compatible server (llama.cpp's server,
llama-cpp-python's, vLLM, Ollama...), streamed over chat completions.

The server applies its model's own chat template. Its answers go through the
same verifier as the in-process model's. httpx errors become `ModelError`s
that say what to do.
"""

from __future__ import annotations

import json
import math
from typing import Iterator, Sequence

import httpx

from .errors import ModelError

Message = dict[str, str]
TOKEN_MARGIN = 1.25
"""The server's tokenizer is unknown here: cl100k counts are padded by this
factor, so a prompt budget is never overrun (small models' vocabularies split
text into more tokens than cl100k)."""


class OpenAIChatModel:
    def __init__(self, url: str, model: str = "", api_key: str = "", timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))
        self._timeout = timeout
        self.name = model
        available = self._models()
        if model and model not in available:
            raise ModelError(
                f"The model server at {self.url} has no model {model!r}; it serves: {', '.join(available) or 'none'}. "
                "Set llm_model (ASSISTANT_LLM_MODEL) to one of those."
            )
        if not model and not available:
            raise ModelError(f"The model server at {self.url} lists no models. Load a model in it, then retry.")
        self.name = model or available[0]

    def _models(self) -> list[str]:
        try:
            r = self._client.get(f"{self.url}/models")
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        self._raise_for_status(r)
        try:
            return [m["id"] for m in r.json().get("data", [])]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ModelError(
                f"{self.url}/models did not answer like an OpenAI-compatible server ({exc}). "
                "Check llm_url (ASSISTANT_LLM_URL): it usually ends in /v1."
            ) from exc

    def count_tokens(self, text: str) -> int:
        from .chunking import count_tokens

        return math.ceil(count_tokens(text) * TOKEN_MARGIN)

    def stream_chat(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        body = {"model": self.name, "messages": list(messages), "temperature": 0.0, "seed": 0,
                "max_tokens": max_tokens, "stream": True}
        try:
            with self._client.stream("POST", f"{self.url}/chat/completions", json=body) as r:
                if r.status_code >= 400:
                    r.read()
                    self._raise_for_status(r)
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    try:
                        event = json.loads(data)
                    except ValueError:
                        continue
                    if event.get("error"):
                        raise ModelError(f"The model server at {self.url} failed mid-answer: {event['error']}. Retry, or check its log.")
                    for choice in event.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content")
                        if piece:
                            yield piece
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc

    def _transport_error(self, exc: httpx.HTTPError) -> ModelError:
        if isinstance(exc, httpx.TimeoutException):
            return ModelError(
                f"The model server at {self.url} did not answer within {self._timeout:g} s. "
                "Check that it is not overloaded, or raise llm_timeout (ASSISTANT_LLM_TIMEOUT)."
            )
        return ModelError(
            f"Cannot reach the model server at {self.url} ({type(exc).__name__}: {exc}). Start it, e.g. "
            "`python -m llama_cpp.server --model models/cache/Qwen2.5-Coder-0.5B-Instruct-Q4_K_M.gguf --port 8080`, "
            "or set llm_url (ASSISTANT_LLM_URL) to where it runs."
        )

    def _raise_for_status(self, r: httpx.Response) -> None:
        if r.status_code < 400:
            return
        detail = r.text[:300]
        if r.status_code in (401, 403):
            raise ModelError(
                f"The model server at {self.url} refused the API key (HTTP {r.status_code}). "
                "Set ASSISTANT_LLM_API_KEY to a key it accepts."
            )
        if r.status_code == 404 and "model" in detail.lower():
            raise ModelError(
                f"The model server at {self.url} does not know the model {self.name!r}: {detail}. "
                "Set llm_model (ASSISTANT_LLM_MODEL) to a model it serves."
            )
        raise ModelError(f"The model server at {self.url} answered HTTP {r.status_code}: {detail}. Check its log, then retry.")

    def close(self) -> None:
        self._client.close()
