"""The Whisper model settings, checked before a recording is heard (``ivr serve``, ``ivr
transcribe``): a model that is neither packaged nor a directory would be found out only when
the first recording is decoded, and heard then by the fallback model with a warning in the log.

Not a settings check (:mod:`ivr.settings_checks`): ``ivr models download`` runs with the
setting already naming the directory it is about to make.
"""

from __future__ import annotations

from pathlib import Path

from ivr.settings import Settings, env_name

MODEL_SETTINGS = ("whisper_model", "whisper_multilingual_model")


def unusable_whisper_model(settings: Settings) -> str | None:
    """With Whisper, a sentence naming the first model setting that is neither a packaged
    model nor a directory, and what it must be; None when both can be loaded (or Whisper is
    not the recogniser)."""
    from speech.whisper_models import PACKAGED

    if settings.recognizer != "whisper":
        return None
    for name in MODEL_SETTINGS:
        model = str(getattr(settings, name))
        if model and model not in PACKAGED and not Path(model).is_dir():
            return (
                f"{env_name(name)} must be {', '.join(PACKAGED)} or the directory of a "
                f"downloaded model (`ivr models download`); {model!r} is no directory"
            )
    return None
