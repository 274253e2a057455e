"""The city's street grammars and their language models, built once per dataset, kept on disk.

A city of a million address points makes an address grammar of 4.7 million sample utterances;
building it and its PocketSphinx trigram model takes minutes. What they are built from — the
street names and the (house number, street) pairs — changes only with an import, so both
grammars and both compiled models are kept under ``<root>/<digest>/``, the digest being the
SHA-256 of exactly what they are built from (and of :data:`FORMAT`, the way they are built).
A start on the same data loads them in a second or two; another dataset, or a new import that
changes a street or a number, has another digest and builds its own entry.

An entry is written whole in a temporary folder beside it and renamed into place, its
manifest (every file's size and SHA-256) last: a half-written entry is never under its final
name. On load, a manifest that is missing or unreadable, or a file whose hash differs, makes
the entry stale: it is removed and built again.

Loaded grammars carry no sample utterances (only the compiled model needs them): the engines
that compile a grammar from its samples — PocketSphinx — are given the cached model instead
(:meth:`GrammarCache.seed`, through :class:`speech.recognizer.TakesCompiledModels`), before
anything asks them to compile it. The models are written as PocketSphinx compiles a grammar
(:func:`speech.pocketsphinx_engine.write_language_model`), in its binary form.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speech.errors import ModelError
from speech.grammars import street_grammar, street_name_grammar
from speech.recognizer import Engine, Grammar, TakesCompiledModels

log = logging.getLogger(__name__)

FORMAT = "street-grammars-1"  # changes when what is built, or how, changes
KINDS = ("streets", "street_names")
_MANIFEST = "manifest.json"
_GRAMMARS = "grammars.json"


@dataclass(frozen=True)
class StreetGrammars:
    """The address grammar (``streets``) and the street-alone one (``street_names``), and the
    compiled language model of each (a PocketSphinx binary model file), by grammar name."""

    streets: Grammar
    street_names: Grammar
    models: dict[str, Path] = field(default_factory=dict, repr=False)
    from_cache: bool = False

    def named(self, kind: str) -> Grammar:
        return self.streets if kind == "streets" else self.street_names


class GrammarCache:
    """Street grammars kept under ``root`` (``<models_dir>/grammars``), one folder per digest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def street_grammars(
        self, streets: Sequence[str], addresses: Iterable[tuple[int, str]]
    ) -> StreetGrammars:
        """The city's street grammars: from the cache when an intact entry for exactly these
        streets and addresses is there, else built now and stored."""
        pairs = list(addresses)
        digest = content_digest(streets, pairs)
        entry = self.root / digest
        with self._lock, _one_process_at_a_time(self.root, digest):
            loaded = _load(entry)
            if loaded is not None:
                log.info("street grammars loaded from the cache", extra={"digest": digest[:16]})
                return loaded
            if entry.exists():
                log.warning("street grammar cache entry stale: rebuilt", extra={"digest": digest})
                shutil.rmtree(entry, ignore_errors=True)
            built = _build(streets, pairs)
            try:
                self._store(entry, built)
            except OSError as error:  # a read-only models folder: the city still gets its model
                log.warning("street grammars not cached", extra={"reason": str(error)[:200]})
                return built
            # The stored grammars, without their millions of samples: the models replace them.
            stored = _load(entry)
            return built if stored is None else dataclasses.replace(stored, from_cache=False)

    def seed(self, engine: Engine, grammar: Grammar, grammars: StreetGrammars) -> None:
        """Give ``engine`` the cached compiled model of ``grammar``, so it loads it instead of
        compiling the grammar from samples (a cached grammar has none). Engines that compile
        no language model (Whisper takes a prompt) are left alone; an engine that cannot read
        the model (removed since it was checked) compiles the grammar without its samples,
        a weaker model, and says so in the log."""
        model = grammars.models.get(grammar.name)
        if model is None or not isinstance(engine, TakesCompiledModels):
            return
        try:
            engine.use_compiled(grammar, model)
        except ModelError as error:
            log.warning("cached street model not used", extra={"reason": str(error)[:200]})

    def _store(self, entry: Path, built: StreetGrammars) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".building-", dir=self.root))
        try:
            description = {}
            for kind in KINDS:
                grammar = built.named(kind)
                description[kind] = {
                    "name": grammar.name,
                    "phrases": list(grammar.phrases),
                    "words": list(grammar.words),
                    "strict": grammar.strict,
                }
                _write_model(grammar, work / f"{kind}.lm.bin")
            (work / _GRAMMARS).write_text(json.dumps(description), encoding="utf-8")
            files = {
                path.name: {"size": path.stat().st_size, "sha256": _file_digest(path)}
                for path in sorted(work.iterdir())
            }
            (work / _MANIFEST).write_text(json.dumps({"format": FORMAT, "files": files}))
            try:
                os.rename(work, entry)
            except OSError:
                if not entry.exists():  # another process stored the same entry first: fine
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _one_process_at_a_time(root: Path, digest: str) -> Iterator[None]:
    """The recognition workers of one machine start together on the same data: one builds the
    entry (minutes for a large city) while the others wait on a file lock, then load it."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / f".{digest[:32]}.lock", "a+b")  # noqa: SIM115 (closed below)
    except OSError:  # a read-only models folder: each process builds its own
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def content_digest(streets: Sequence[str], addresses: Iterable[tuple[int, str]]) -> str:
    """SHA-256 of what the street grammars are built from, and of how (:data:`FORMAT`)."""
    digest = hashlib.sha256(FORMAT.encode())
    digest.update("\n".join(streets).encode())
    digest.update(b"\0")
    digest.update("\n".join(f"{n}\t{s}" for n, s in addresses).encode())
    return digest.hexdigest()


def _build(streets: Sequence[str], addresses: list[tuple[int, str]]) -> StreetGrammars:
    return StreetGrammars(street_grammar(streets, addresses), street_name_grammar(streets))


def _write_model(grammar: Grammar, path: Path) -> None:
    """The grammar's trigram model as PocketSphinx compiles it, in its binary form (loaded
    many times faster than ARPA)."""
    from speech.pocketsphinx_engine import write_language_model

    write_language_model(grammar, path)


def _load(entry: Path) -> StreetGrammars | None:
    """The entry's grammars when it is whole and intact; None otherwise."""
    try:
        manifest = json.loads((entry / _MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            return None
        files: dict[str, Any] = manifest["files"]
        if set(files) != {_GRAMMARS, *(f"{kind}.lm.bin" for kind in KINDS)}:
            return None
        for name, expected in files.items():
            path = entry / name
            if path.stat().st_size != expected["size"] or _file_digest(path) != expected["sha256"]:
                return None
        description = json.loads((entry / _GRAMMARS).read_text(encoding="utf-8"))
        grammars = {
            kind: Grammar(
                phrases=tuple(description[kind]["phrases"]),
                words=tuple(description[kind]["words"]),
                strict=bool(description[kind]["strict"]),
                name=str(description[kind]["name"]),
            )
            for kind in KINDS
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None
    models = {grammars[kind].name: entry / f"{kind}.lm.bin" for kind in KINDS}
    return StreetGrammars(grammars["streets"], grammars["street_names"], models, from_cache=True)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
