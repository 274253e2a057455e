"""The engines a process uses, loaded once: ``load_engine("pocketsphinx")``, ``"vosk"`` or
``"whisper"``.

Engines are cached per (kind, model) for the life of the process; loading is guarded by a
lock, so two threads asking at once load the model once. ``model_dir`` names the model: a
directory for Vosk (required) and PocketSphinx (empty: the model in its wheel); for Whisper a
packaged model (``"tiny.en"``, the default when empty, or ``"base"``) or the directory of a
downloaded one (:mod:`speech.whisper_models`).
"""

from __future__ import annotations

import threading
from pathlib import Path

from speech.errors import ModelError
from speech.recognizer import Engine

ENGINE_KINDS = ("pocketsphinx", "vosk", "whisper")

_engines: dict[tuple[str, str], Engine] = {}
_lock = threading.Lock()
_decode_threads: int | None = None  # None: each engine's own default


def set_decode_threads(threads: int) -> None:
    """How many threads one decode may use in this process, for engines loaded from now on
    (``ivr worker --decode-threads``: recognition workers that share the cores use one each,
    rather than each oversubscribing every core)."""
    global _decode_threads
    _decode_threads = max(1, threads)


def load_engine(kind: str = "pocketsphinx", *, model_dir: str = "") -> Engine:
    """The shared engine of ``kind``; ModelError for an unknown kind or an unusable model."""
    if kind not in ENGINE_KINDS:
        raise ModelError(f"unknown recogniser {kind!r}: use one of {', '.join(ENGINE_KINDS)}")
    if kind == "whisper" and not model_dir:
        from speech.whisper_engine import DEFAULT_MODEL

        model_dir = DEFAULT_MODEL  # "" and "tiny.en" are one engine, loaded once
    key = (kind, model_dir)
    with _lock:
        if key not in _engines:
            _engines[key] = _load(kind, model_dir)
        return _engines[key]


def _load(kind: str, model_dir: str) -> Engine:
    if kind == "whisper":
        from speech.whisper_engine import CPU_THREADS, WhisperEngine

        return WhisperEngine(model_dir, cpu_threads=_decode_threads or CPU_THREADS)
    if kind == "vosk":
        if not model_dir:
            raise ModelError("the vosk recogniser needs a model directory (IVR_VOSK_MODEL)")
        from speech.vosk_engine import VoskEngine

        return VoskEngine(Path(model_dir))
    from speech.pocketsphinx_engine import PocketSphinxEngine

    return PocketSphinxEngine(model_dir=Path(model_dir) if model_dir else None)
