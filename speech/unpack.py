"""Unpacking a downloaded zip without trusting it.

Refused: absolute paths, drive letters, ``..`` components, symbolic links, device or other
special entries, more than ``max_entries`` entries, and more than ``max_bytes`` unpacked
(counted while writing, not from the header alone, so a lying header cannot fill the disk).
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from speech.errors import ModelError

_CHUNK = 1024 * 1024


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise ModelError(f"unsafe path in archive: {name!r}")
    return path


def unpack_zip(
    archive: Path, destination: Path, *, max_bytes: int, max_entries: int = 100_000
) -> Path:
    """Unpack ``archive`` into ``destination``; returns the single top folder if there is one."""
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelError(f"the download is not a zip archive: {error}") from None
    with bundle:
        entries = bundle.infolist()
        if len(entries) > max_entries:
            raise ModelError(f"archive has {len(entries)} entries, more than {max_entries}")
        written = 0
        destination.mkdir(parents=True, exist_ok=True)
        for entry in entries:
            relative = _safe_name(entry.filename)
            mode = entry.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ModelError(f"symbolic link in archive: {entry.filename!r}")
            kind = stat.S_IFMT(mode)  # 0 when the archiver recorded no file type
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                raise ModelError(f"special file in archive: {entry.filename!r}")
            target = destination / relative
            if entry.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with bundle.open(entry) as source, target.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        written += len(chunk)
                        if written > max_bytes:
                            raise ModelError(f"archive unpacks to more than {max_bytes} bytes")
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError) as error:
                raise ModelError(f"archive entry {entry.filename!r} is damaged: {error}") from None
    tops = list(destination.iterdir())
    return tops[0] if len(tops) == 1 and tops[0].is_dir() else destination
