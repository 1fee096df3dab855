"""Shared fixtures: a real Assistant (real embedder, real Chroma, real GGUF
model) over the seed articles in a temporary data directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory) -> Path:
    """A data directory with the seeds ingested once; copy it to mutate it."""
    from assistant import Assistant

    path = tmp_path_factory.mktemp("seeded")
    Assistant(data_dir=path).ingest([SEEDS])
    return path


@pytest.fixture(scope="session")
def assistant(seeded_dir):
    from assistant import Assistant

    return Assistant(data_dir=seeded_dir)


@pytest.fixture
def fresh(tmp_path, seeded_dir):
    """An Assistant of its own over a copy of the seeded store."""
    from assistant import Assistant

    target = tmp_path / "data"
    shutil.copytree(seeded_dir, target)
    return Assistant(data_dir=target)


@pytest.fixture(scope="module")
def module_assistant(tmp_path_factory, seeded_dir):
    """An Assistant of one test module's own, over a copy of the seeded store,
    for modules that add or remove articles."""
    from assistant import Assistant

    target = tmp_path_factory.mktemp("module") / "data"
    shutil.copytree(seeded_dir, target)
    return Assistant(data_dir=target)
