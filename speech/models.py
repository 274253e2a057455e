"""Vosk models a city can download, and the download itself.

``KNOWN_MODELS`` lists models published on alphacephei.com under their real names, with the
size the site publishes. alphacephei.com publishes no checksums, and none could be fetched
where this code was written, so ``sha256`` is None for every entry: such a download is checked
for completeness (the byte count the server announced, and within a quarter of the published
size) and its SHA-256 is printed, so an operator can pin it (``--sha256``). An entry with a
known checksum is verified against it and refused on a mismatch.

``download_model`` streams with an injected ``httpx.Client`` into a temporary file inside the
models directory, verifies, unpacks the zip safely (:mod:`speech.unpack`) and moves the model
into place atomically: a model directory is either complete or absent.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from speech.errors import ModelError
from speech.unpack import unpack_zip

BASE_URL = "https://alphacephei.com/vosk/models/"
MB = 1024 * 1024


@dataclass(frozen=True)
class KnownModel:
    name: str
    language: str
    size_mb: int  # as published; a download is accepted within 25 % of it
    sha256: str | None = None  # None: not published; the download prints what it got
    grammars: bool = False  # a run-time graph: accepts word lists
    url: str = ""

    @property
    def download_url(self) -> str:
        return self.url or f"{BASE_URL}{self.name}.zip"


KNOWN_MODELS: tuple[KnownModel, ...] = (
    KnownModel("vosk-model-small-en-us-0.15", "en-us", 40, grammars=True),
    KnownModel("vosk-model-en-us-0.22-lgraph", "en-us", 128, grammars=True),
    KnownModel("vosk-model-en-us-0.22", "en-us", 1800),
    KnownModel("vosk-model-small-es-0.42", "es", 39, grammars=True),
    KnownModel("vosk-model-small-fr-0.22", "fr", 41, grammars=True),
    KnownModel("vosk-model-small-de-0.15", "de", 45, grammars=True),
    KnownModel("vosk-model-small-cn-0.22", "cn", 42, grammars=True),
    KnownModel("vosk-model-small-ko-0.22", "ko", 82, grammars=True),
)


def known_model(name: str) -> KnownModel:
    for model in KNOWN_MODELS:
        if model.name == name:
            return model
    names = ", ".join(m.name for m in KNOWN_MODELS)
    raise ModelError(f"unknown model {name!r}; known models: {names}")


def installed(models_dir: Path) -> dict[str, Path]:
    """Model directories under ``models_dir`` (those with ``am/final.mdl``), by name."""
    if not models_dir.is_dir():
        return {}
    return {
        child.name: child
        for child in sorted(models_dir.iterdir())
        if (child / "am" / "final.mdl").is_file()
    }


@dataclass(frozen=True)
class Downloaded:
    path: Path
    sha256: str
    bytes: int
    verified: bool  # True when checked against a known checksum


def download_model(
    model: KnownModel,
    models_dir: Path,
    client: httpx.Client,
    *,
    max_unpacked_bytes: int = 8 * 1024 * MB,
    progress: Callable[[int], None] | None = None,
) -> Downloaded:
    """Download, verify, unpack and install ``model`` into ``models_dir/<name>``."""
    target = models_dir / model.name
    if target.exists():
        raise ModelError(f"{target} already exists; remove it to download again")
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=models_dir) as work:
        archive = Path(work) / "model.zip"
        digest, size = _fetch(model.download_url, archive, client, progress)
        _verify(model, digest, size)
        unpacked = Path(work) / "unpacked"
        root = unpack_zip(archive, unpacked, max_bytes=max_unpacked_bytes)
        if not (root / "am" / "final.mdl").is_file():
            raise ModelError(f"{model.download_url} does not hold a Vosk model (no am/final.mdl)")
        os.replace(root, target)  # same filesystem: the model appears whole or not at all
    return Downloaded(target, digest, size, verified=model.sha256 is not None)


def _fetch(
    url: str, archive: Path, client: httpx.Client, progress: Callable[[int], None] | None
) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise ModelError(f"{url} answered HTTP {response.status_code}")
            announced = response.headers.get("content-length")
            with archive.open("wb") as out:
                for chunk in response.iter_bytes(1024 * 1024):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if progress is not None:
                        progress(size)
    except httpx.TransportError as error:
        reason = type(error).__name__
        raise ModelError(f"could not download {url}: network unreachable ({reason})") from None
    if announced is not None and announced.isdigit() and int(announced) != size:
        raise ModelError(f"download of {url} is incomplete: {size} of {announced} bytes")
    return digest.hexdigest(), size


def _verify(model: KnownModel, digest: str, size: int) -> None:
    if model.sha256 is not None:
        if digest != model.sha256.lower():
            raise ModelError(
                f"checksum mismatch for {model.name}: got {digest}, expected {model.sha256}"
            )
        return
    published = model.size_mb * MB
    if not 0.75 * published <= size <= 1.25 * published:
        raise ModelError(
            f"{model.name}: downloaded {size / MB:.1f} MB but {model.size_mb} MB is published; "
            "refusing a file of the wrong size"
        )
