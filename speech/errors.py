"""The errors of the speech package, apart from the modules that raise them, so that audio
decoding and the recogniser interface depend on them and not on each other."""

from __future__ import annotations


class SpeechError(Exception):
    """Recognition could not be done; the message says why, for the log and for an operator."""


class ModelError(SpeechError):
    """A model is missing, incomplete or unreadable (its path is in the message)."""
