"""The gazetteer index's points and streets kept on disk, so a start skips reading the store.

Reading a million points from the database and grouping them takes tens of seconds; the same
columns read from one file take well under one. A snapshot holds exactly what
:func:`ivr.addresses.index.index_from_columns` needs (the point columns, the text tables and
the street table) as plain numpy arrays (no pickled objects), in
``<root>/<dataset digest>.npz`` (:mod:`ivr.addresses.dataset_digest`), with the SHA-256 of the
file in ``<root>/<dataset digest>.sha256``.

A snapshot is written whole under a temporary name and renamed into place, its hash last. On
load, a missing or different hash, another format, another digest inside, or any unreadable
part makes it stale: it is removed, and the index is built from the store (and snapshot
again). Only the newest :data:`KEEP` snapshots are kept.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ivr.addresses.index import StreetTable
from ivr.addresses.point_columns import PointColumns
from ivr.addresses.streets import StreetName

log = logging.getLogger(__name__)

FORMAT = "gazetteer-index-snapshot-1"  # changes when what is stored, or how, changes
KEEP = 3  # snapshots kept in one folder (each dataset digest has its own)
MIN_POINTS = 100_000  # smaller gazetteers build from the store in a second or two
_COLUMNS = ("number", "number_int", "lat", "lon", "postal_code", "neighbourhood")
_TEXTS = ("numbers", "postal_codes", "neighbourhoods")
_NAME_PARTS = ("predir", "name", "suffix", "postdir")


def default_root() -> Path:
    """``$XDG_CACHE_HOME/voice311/gazetteer-index`` (``~/.cache/…`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home folder: the system's temporary folder
            base = tempfile.gettempdir()
    return Path(base) / "voice311" / "gazetteer-index"


def load_snapshot(root: Path, digest: str) -> tuple[PointColumns, StreetTable] | None:
    """The columns and streets stored for ``digest``, or None when there is no intact one."""
    path, check = _paths(root, digest)
    if not path.exists():
        return None
    try:
        if check.read_text().strip() != _file_digest(path):
            raise ValueError("the snapshot's hash differs")
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        if str(arrays["format"]) != FORMAT or str(arrays["digest"]) != digest:
            raise ValueError("the snapshot is of another format or dataset")
        loaded = _from_arrays(arrays)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        log.warning("gazetteer index snapshot stale: removed", extra={"reason": str(error)[:200]})
        for stale in (check, path):
            stale.unlink(missing_ok=True)
        return None
    os.utime(path)  # the most recently used are the ones kept
    return loaded


def store_snapshot(root: Path, digest: str, columns: PointColumns, table: StreetTable) -> None:
    """Keep ``columns`` and ``table`` as the snapshot of ``digest`` (an unwritable folder
    only costs the next start its time: logged, not raised)."""
    path, check = _paths(root, digest)
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".writing-", suffix=".npz", dir=root)
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, **_to_arrays(digest, columns, table))
                out.flush()
                os.fsync(out.fileno())
            hashed = _file_digest(Path(temporary))
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        _write_atomically(check, hashed)
        _prune(root)
    except OSError as error:
        log.warning("gazetteer index snapshot not kept", extra={"reason": str(error)[:200]})


def _paths(root: Path, digest: str) -> tuple[Path, Path]:
    if not digest or not all(c in "0123456789abcdef" for c in digest):
        raise ValueError("a snapshot is named by a hex digest")
    return root / f"{digest}.npz", root / f"{digest}.sha256"


def _to_arrays(digest: str, columns: PointColumns, table: StreetTable) -> dict[str, Any]:
    arrays: dict[str, Any] = {"format": np.str_(FORMAT), "digest": np.str_(digest)}
    for name in _COLUMNS:
        arrays[name] = getattr(columns, name)
    for name in _TEXTS:
        arrays[name] = _texts(getattr(columns, name))
    arrays["street_keys"] = _texts(table.keys)
    arrays["street_displays"] = _texts(table.displays)
    arrays["street_name_keys"] = _texts(table.name_keys)
    for part in _NAME_PARTS:
        arrays[f"street_{part}"] = _texts(tuple(getattr(name, part) for name in table.names))
    arrays["street_starts"] = np.array(table.starts, dtype=np.int64)
    return arrays


def _from_arrays(arrays: dict[str, Any]) -> tuple[PointColumns, StreetTable]:
    texts: dict[str, Any] = {name: tuple(arrays[name].tolist()) for name in _TEXTS}
    columns = PointColumns(**{name: arrays[name] for name in _COLUMNS}, **texts)
    parts = [arrays[f"street_{part}"].tolist() for part in _NAME_PARTS]
    keys = tuple(arrays["street_keys"].tolist())
    starts = tuple(arrays["street_starts"].tolist())
    rows = len(columns)
    if any(len(columns_array) != rows for columns_array in (arrays[n] for n in _COLUMNS)):
        raise ValueError("the snapshot's columns differ in length")
    if len(starts) != len(keys) + 1 or starts[0] != 0 or starts[-1] != rows:
        raise ValueError("the snapshot's streets do not cover its points")
    for column, texts_of in (
        ("number", "numbers"),
        ("postal_code", "postal_codes"),
        ("neighbourhood", "neighbourhoods"),
    ):
        codes = arrays[column]
        if rows and (int(codes.min()) < 0 or int(codes.max()) >= len(texts[texts_of])):
            raise ValueError("the snapshot's codes point outside its texts")
    table = StreetTable(
        keys=keys,
        displays=tuple(arrays["street_displays"].tolist()),
        names=tuple(StreetName(*name) for name in zip(*parts, strict=True)),
        name_keys=tuple(arrays["street_name_keys"].tolist()),
        starts=starts,
    )
    if not len(table.displays) == len(table.names) == len(table.name_keys) == len(keys):
        raise ValueError("the snapshot's street table is incomplete")
    return columns, table


def _texts(values: tuple[str, ...]) -> Any:
    """Texts as a numpy string array (a fixed width; trailing NULs are not in street data)."""
    return np.array(values, dtype=np.str_) if values else np.array([], dtype="<U1")


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".writing-", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _prune(root: Path) -> None:
    """Keep the KEEP most recently used snapshots."""
    kept = [p for p in root.glob("*.npz") if not p.name.startswith(".")]  # not one being written
    snapshots = sorted(kept, key=lambda p: p.stat().st_mtime, reverse=True)
    for old in snapshots[KEEP:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".sha256").unlink(missing_ok=True)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
