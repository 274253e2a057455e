"""Where the gateways of a test run keep the models they build (the city's street grammars and
their compiled language models, :mod:`speech.grammar_cache`): a temporary folder of the run's
own, shared by its tests (a city's models are built once per run, as once per deployment) and
removed when the run ends. Never the checkout's ``models/``, which default settings name."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache


@cache
def models_folder() -> str:
    """The run's models folder (``Settings.models_dir``), made on first use."""
    folder = tempfile.mkdtemp(prefix="voice311-test-models-")
    atexit.register(shutil.rmtree, folder, True)
    return folder
