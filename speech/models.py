"""Models a city can download (Vosk, and faster-whisper's Whisper models), and the download.

``KNOWN_MODELS`` lists models published on alphacephei.com under their real names, with the
size the site publishes. alphacephei.com publishes no checksums, and none could be fetched
where this code was written, so ``sha256`` is None for every entry: such a download is checked
for completeness (the byte count the server announced, and within a quarter of the published
size) and its SHA-256 is printed, so an operator can pin it (``--sha256``). An entry with a
known checksum is verified against it and refused on a mismatch.

``download_model`` streams with an injected ``httpx.Client`` into a temporary file inside the
models directory, verifies, unpacks the zip safely (:mod:`speech.unpack`) and moves the model
into place atomically: a model directory is either complete or absent.

``KNOWN_WHISPER`` lists the CTranslate2 Whisper models Systran publishes on Hugging Face
(``Systran/faster-whisper-<size>``), with the sizes the Hub shows. ``download_whisper`` fetches
their four files (``https://huggingface.co/<repo>/resolve/main/<file>``) the same way, checks
the total against the published size, writes a manifest of the files' SHA-256
(:data:`speech.whisper_models.MANIFEST`, checked whenever the model is loaded) and moves the
directory into place atomically.
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
from speech.whisper_models import MODEL_FILES, write_manifest

BASE_URL = "https://alphacephei.com/vosk/models/"
HUGGING_FACE = "https://huggingface.co/"
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
    names = ", ".join([m.name for m in KNOWN_MODELS] + [w.name for w in KNOWN_WHISPER])
    raise ModelError(f"unknown model {name!r}; known models: {names}")


def installed(models_dir: Path) -> dict[str, Path]:
    """Model directories under ``models_dir`` (a Vosk ``am/final.mdl`` or a Whisper
    ``model.bin`` and ``config.json``), by name."""
    if not models_dir.is_dir():
        return {}
    return {
        child.name: child
        for child in sorted(models_dir.iterdir())
        if (child / "am" / "final.mdl").is_file()
        or ((child / "model.bin").is_file() and (child / "config.json").is_file())
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


@dataclass(frozen=True)
class WhisperDownload:
    """A faster-whisper model on Hugging Face; installed as ``models_dir/<name>``."""

    name: str  # "faster-whisper-small": the directory it is installed as
    languages: str  # "en", or "multilingual" (99 languages, Spanish among them)
    size_mb: int  # as published; a download is accepted within 25 % of it
    url: str = ""  # a mirror: the files are fetched from <url>/<file>

    @property
    def repo(self) -> str:
        return f"Systran/{self.name}"

    def file_url(self, file: str) -> str:
        base = self.url.rstrip("/") if self.url else f"{HUGGING_FACE}{self.repo}/resolve/main"
        return f"{base}/{file}"


KNOWN_WHISPER: tuple[WhisperDownload, ...] = (
    WhisperDownload("faster-whisper-tiny.en", "en", 75),
    WhisperDownload("faster-whisper-base.en", "en", 145),
    WhisperDownload("faster-whisper-base", "multilingual", 145),
    WhisperDownload("faster-whisper-small.en", "en", 484),
    WhisperDownload("faster-whisper-small", "multilingual", 484),
    WhisperDownload("faster-whisper-medium.en", "en", 1530),
    WhisperDownload("faster-whisper-medium", "multilingual", 1530),
)


def known_whisper(name: str) -> WhisperDownload | None:
    """The Whisper model called ``name`` ("faster-whisper-small" or "small"), or None."""
    for model in KNOWN_WHISPER:
        if name in (model.name, model.name.removeprefix("faster-whisper-")):
            return model
    return None


def download_whisper(
    model: WhisperDownload,
    models_dir: Path,
    client: httpx.Client,
    *,
    progress: Callable[[int], None] | None = None,
) -> Downloaded:
    """Download ``model``'s files into ``models_dir/<name>`` with a manifest of their SHA-256.
    ``sha256`` of the result is the manifest's digest of ``model.bin``."""
    target = models_dir / model.name
    if target.exists():
        raise ModelError(f"{target} already exists; remove it to download again")
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=models_dir) as work:
        folder = Path(work) / model.name
        folder.mkdir()
        digests: dict[str, str] = {}
        total = 0
        for file in MODEL_FILES:
            digests[file], size = _fetch(model.file_url(file), folder / file, client, progress)
            total += size
        published = model.size_mb * MB
        if not 0.75 * published <= total <= 1.25 * published:
            raise ModelError(
                f"{model.name}: downloaded {total / MB:.1f} MB but {model.size_mb} MB is "
                "published; refusing files of the wrong size"
            )
        write_manifest(folder, source=model.file_url(""), digests=digests)
        os.replace(folder, target)  # same filesystem: the model appears whole or not at all
    return Downloaded(target, digests["model.bin"], total, verified=False)
