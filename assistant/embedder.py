"""Text embeddings. The one method a backend must write is `embed`."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ModelError


class Embedder(Protocol):
    dimensions: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text."""
        ...


class OnnxUSEEmbedder:
    """Multilingual Universal Sentence Encoder v3 (quantized ONNX). Its
    tokenizer is inside the graph, so it takes raw strings."""

    dimensions = 512
    batch_size = 32

    def __init__(self, path: Path, threads: int = 2) -> None:
        try:
            import onnxruntime as ort
            import onnxruntime_extensions
        except ImportError as exc:
            raise ModelError(f"{exc.name} is not installed. Run `make setup` (or `pip install -e .`).") from exc
        options = ort.SessionOptions()
        options.register_custom_ops_library(onnxruntime_extensions.get_library_path())
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelError(
                f"Cannot load the embedding model {path}: {exc}. "
                "Delete the file and run `assistant models pull` to fetch it again."
            ) from exc
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        rows = []
        for i in range(0, len(texts), self.batch_size):
            batch = np.array([t if t.strip() else " " for t in texts[i : i + self.batch_size]], dtype=object)
            with self._lock:  # onnxruntime runs are thread-safe, but two at once only thrash 2 cores
                (out,) = self._session.run(["outputs"], {"inputs": batch})
            rows.append(np.asarray(out, dtype=np.float32))
        vectors = np.vstack(rows)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)
