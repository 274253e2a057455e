"""The grammars a recording is heard with, by the name a flow's record state gives.

- ``streets``: a whole address: number words, the gazetteer's street names, lead-ins, and a
  language model learnt from the gazetteer's real addresses;
- ``street_names``: a street alone, after the house number was keyed in;
- ``free`` (a description) and ``menu`` (free as well: a job carries no phrase list).

The two street grammars are built once per process from the gazetteer, or loaded from the
grammar cache (:mod:`speech.grammar_cache`): a cached grammar has no sample addresses, so every
engine that compiles a language model from them is handed the cached model first. Whisper takes
from a grammar only a short prompt (``speech.whisper_engine``).

A street said after a keyed house number is recognised among the streets that have that number
only (the job's ``context`` carries the number; :mod:`ivr.addresses.number_streets`): a strict
grammar of a few streets, where the whole city's streets would leave a noisy line many to
confuse. A number no street has falls back to every street.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from speech.errors import SpeechError
from speech.grammar_cache import GrammarCache
from speech.recognizer import FREE, Engine, Grammar

STREET_GRAMMARS = ("streets", "street_names")
NARROWED_STREETS = 150  # most streets a keyed house number narrows the street grammar to


class CityGrammars:
    """The grammars of one city, shared by the transcriber's threads.

    ``street_names``: the gazetteer's street names, as people say them; ``addresses``: its
    (house number, street) pairs; ``streets_at``: the streets that have a house number.
    ``engines`` and ``languages``: the engines to hand cached models to (those of the flows'
    languages, and English). ``cache``: where the street grammars are kept; None builds them
    here.
    """

    def __init__(
        self,
        *,
        street_names: Callable[[], Sequence[str]],
        addresses: Callable[[], Iterable[tuple[int, str]]],
        streets_at: Callable[[int], Sequence[str]] | None,
        engines: Callable[[str, str], Sequence[Engine]],
        languages: Sequence[str],
        cache: GrammarCache | None,
    ) -> None:
        self._street_names = street_names
        self._addresses = addresses
        self._streets_at = streets_at
        self._engines = engines
        self._languages = tuple(dict.fromkeys((*languages, "en")))
        self._cache = cache
        self._built: dict[str, Grammar] = {}
        self._lock = threading.Lock()

    def named(self, name: str, context: Mapping[str, Any] | None = None) -> Grammar:
        """The grammar ``name``; ``context``'s ``house_number`` narrows ``street_names``."""
        if name not in STREET_GRAMMARS:
            return FREE
        if name == "street_names":
            narrowed = self._numbered_streets(str((context or {}).get("house_number") or ""))
            if narrowed is not None:
                return narrowed
        with self._lock:
            if name not in self._built:
                self._built.update(self._street_grammars())
            return self._built[name]

    def _street_grammars(self) -> dict[str, Grammar]:
        """Both street grammars: with a cache, from its entry for this gazetteer (or built and
        stored there), every engine that compiles them given the compiled models before any of
        them is asked to (a cached grammar has no samples to compile); without one, built
        here."""
        from speech.grammars import street_grammar, street_name_grammar

        if self._cache is None:
            names = self._street_names()
            return {
                "streets": street_grammar(names, self._addresses()),
                "street_names": street_name_grammar(names),
            }
        grammars = self._cache.street_grammars(self._street_names(), self._addresses())
        for name in STREET_GRAMMARS:
            for language in self._languages:
                try:
                    engines = self._engines(name, language)
                except SpeechError:
                    continue  # the job that needs the engine reports it
                for engine in engines:
                    self._cache.seed(engine, grammars.named(name), grammars)
        return {name: grammars.named(name) for name in STREET_GRAMMARS}

    def _numbered_streets(self, house_number: str) -> Grammar | None:
        """A strict grammar of the streets that have ``house_number`` (digits, perhaps with a
        letter: "12A" counts as 12); None without a number, when no street has it, or when
        so many have it (Boston: 2,000 streets have a 12) that a strict grammar would narrow
        little and take seconds to compile for one caller (PocketSphinx: 7 s for 4,485
        phrases, 0.03 s for 188): the city-wide street grammar, ready since start-up, hears
        those."""
        from speech.grammars import numbered_street_grammar

        digits = re.match(r"\d{1,6}", house_number.strip())
        if digits is None or self._streets_at is None:
            return None
        streets = self._streets_at(int(digits.group()))
        if not streets or len(streets) > NARROWED_STREETS:
            return None
        return numbered_street_grammar(streets)
