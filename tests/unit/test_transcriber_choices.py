"""What the transcription job recognises against, and which n-best alternative it passes on.

The grammars are the gazetteer's (through plain callables here); the recogniser is a scripted
engine that hears a fixed n-best list, so the choice among alternatives can be pinned exactly.
The real engines on real audio are tested in tests/integration and tests/calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel, Place
from ivr.jobs.queue import JobRequest
from ivr.recordings.transcription import Transcriber, not_transcribed
from ivr.settings import Settings
from ivr.simulator.media import silence_wav
from speech.recognizer import FREE, Alternative, Grammar, Transcript
from tests.support.speech_audio import spoken_wav

STREETS = ("Washington Street", "Saratoga Street", "Charles Street", "Charlesgate West")


class HeardEngine:
    """An engine that hears ``texts`` (best first) whatever is said, and keeps the grammar.
    ``name``'s first word is the family whose calibration applies (pocketsphinx, whisper)."""

    sample_rate = 16000
    languages = ("en",)

    def __init__(
        self, texts: Sequence[str], confidences: Sequence[float] = (), name: str = "pocketsphinx"
    ) -> None:
        self.name = name
        self.texts = texts
        self.confidences = confidences or [0.9] + [0.05] * (len(texts) - 1)
        self.grammars: list[Grammar] = []

    def recognize(
        self, pcm: Any, grammar: Grammar = FREE, *, n_best: int = 5, language: str = "en"
    ) -> Transcript:
        self.grammars.append(grammar)
        alternatives = tuple(map(Alternative, self.texts, self.confidences))
        return Transcript(alternatives=alternatives, engine=self.name, audio_seconds=2.0)


def result(words: str, level: MatchLevel, score: float, number: str = "") -> GeocodeResult:
    street = " ".join(w for w in words.split() if not w.isdigit()).title()
    return GeocodeResult(
        level=level,
        score=score,
        place=Place(42.35, -71.06, number or None, street, street.upper()),
        candidate=AddressCandidate(number or None, street.upper()),
    )


GAZETTEER = {
    "20 charles three west": result("charlesgate west", MatchLevel.ADDRESS, 0.675, "20"),
    "20 charles street wood": result("charles street", MatchLevel.ADDRESS, 1.0, "20"),
    "1088 templeton way": result("templeton way", MatchLevel.STREET, 0.34, "1088"),
    "1088 saratoga street": result("saratoga street", MatchLevel.ADDRESS, 1.0, "1088"),
    "1088 Saratoga Street": result("saratoga street", MatchLevel.ADDRESS, 1.0, "1088"),
    # Whisper's number on a misspelt street; PocketSphinx's street with a misheard number.
    "18 masked street": result("mascot street", MatchLevel.ADDRESS, 0.7, "18"),
    "eighty mascot street": GeocodeResult(
        level=MatchLevel.STREET,
        score=0.35,
        place=Place(42.3, -71.0, None, "Mascot Street", "MASCOT ST"),
        candidate=AddressCandidate("80", "MASCOT ST"),
    ),
    "18 Mascot Street": result("mascot street", MatchLevel.ADDRESS, 1.0, "18"),
}


class TableResolver:
    """The address resolver of these tests: the table above, words → result."""

    source = "table"
    remote = False

    def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
        return [GAZETTEER.get(words, GeocodeResult(level=MatchLevel.NONE, score=0.0))]

    def geocode(self, candidates: Sequence[AddressCandidate]) -> list[GeocodeResult]:
        return [GeocodeResult(level=MatchLevel.NONE, score=0.0)]


def transcriber(*engines: HeardEngine) -> Transcriber:
    return Transcriber(
        settings=Settings(),
        http=httpx.Client(),
        engines=lambda grammar, language: engines or [HeardEngine(())],
        street_names=lambda: STREETS,
        addresses=lambda: [(438, "Washington Street"), (1088, "Saratoga Street")],
        streets_at=lambda number: (
            ("Saratoga Street", "Washington Street") if number == 1088 else ()
        ),
        resolver=TableResolver(),
        confident_score=0.8,
    )


def test_a_street_after_a_keyed_number_is_heard_among_the_streets_with_that_number() -> None:
    narrowed = transcriber().grammar("street_names", {"house_number": "1088"})
    with_letter = transcriber().grammar("street_names", {"house_number": "1088A"})

    assert narrowed.strict
    assert set(narrowed.phrases) == {
        "saratoga street",
        "saratoga",
        "washington street",
        "washington",
    }
    assert with_letter.phrases == narrowed.phrases


@pytest.mark.parametrize("context", [{}, {"house_number": ""}, {"house_number": "9999"}])
def test_without_a_number_any_street_has_every_street_is_heard(context: dict[str, str]) -> None:
    grammar = transcriber().grammar("street_names", context)

    assert not grammar.strict
    assert {"charlesgate west", "saratoga street"} <= set(grammar.phrases)


def test_the_address_model_learns_the_gazetteers_real_addresses() -> None:
    grammar = transcriber().grammar("streets")

    assert "ten eighty eight saratoga street" in grammar.examples
    assert "four thirty eight washington" in grammar.examples  # the suffix dropped
    assert "one oh eight eight saratoga street" in grammar.examples  # digit by digit


def transcribed(
    heard: Sequence[str],
    confidences: Sequence[float] = (),
    grammar: str = "streets",
    *others: HeardEngine,
) -> dict[str, Any]:
    engine = HeardEngine(heard, confidences)
    audio = spoken_wav("ten eighty eight saratoga street", "flite:rms")
    return transcriber(engine, *others).transcribe(
        audio, slot="location_words", grammar_name=grammar
    )


def test_the_recognisers_best_is_kept_when_it_names_an_address() -> None:
    # The lower alternative scores higher in the gazetteer, but only by a stray word the
    # parser drops: read back with confidence, it would have been wrong.
    chosen = transcribed(["20 charles three west", "20 charles street wood"])

    assert chosen["text"] == "20 charles three west"


def test_an_alternative_whose_number_is_not_on_its_street_is_passed_over() -> None:
    chosen = transcribed(["1088 templeton way", "1088 saratoga street"], [0.6, 0.8])

    assert chosen["text"] == "1088 saratoga street"
    assert chosen["slots"]["location_words_alternatives"] == (
        "1088 templeton way | 1088 saratoga street"
    )


def test_an_address_heard_too_unsurely_is_not_read_back_but_kept_for_staff() -> None:
    # Every wrong address the evaluation read back at 15 dB had a confidence of 0.19 or less.
    unsure = transcribed(["1088 templeton way", "1088 saratoga street"])  # the second: 0.05
    unsure_street = transcribed(["1088 saratoga street"], [0.4], "street_names")
    sure_street = transcribed(["1088 saratoga street"], [0.75], "street_names")

    assert unsure["text"] == ""
    assert unsure["slots"]["location_words_source"] == "heard too unsurely to read back"
    assert unsure["slots"]["location_words_alternatives"].startswith("1088 templeton way")
    # A street said after a keyed number passes the same gate as a whole address.
    assert unsure_street["text"] == ""
    assert unsure_street["slots"]["location_words_source"] == "heard too unsurely to read back"
    assert sure_street["text"] == "1088 saratoga street"


def test_two_engines_that_place_the_same_address_are_trusted_together() -> None:
    # Each alone is below the gate; placing the same address, they agree.
    whisper = HeardEngine(["1088 Saratoga Street"], [0.4], name="whisper tiny.en")
    chosen = transcribed(["1088 saratoga street"], [0.25], "streets", whisper)

    assert chosen["text"] in ("1088 saratoga street", "1088 Saratoga Street")
    assert float(chosen["slots"]["location_words_confidence"]) >= 0.9
    assert chosen["slots"]["location_words_source"] == "automatic transcript"


def test_between_two_engines_the_better_placed_reading_wins() -> None:
    # PocketSphinx forced a street of its model onto the words; Whisper's placed well.
    whisper = HeardEngine(["1088 saratoga street"], [0.85], name="whisper tiny.en")
    chosen = transcribed(["20 charles three west"], [0.5], "streets", whisper)

    assert chosen["text"] == "1088 saratoga street"
    assert chosen["slots"]["location_words_engine"] == "whisper tiny.en"
    both = chosen["slots"]["location_words_alternatives"]
    assert "20 charles three west" in both and "1088 saratoga street" in both


def test_one_engines_number_on_the_street_both_found_is_read_back() -> None:
    whisper = HeardEngine(["18 masked street"], [0.6], name="whisper tiny.en")
    chosen = transcribed(["eighty mascot street"], [0.8], "streets", whisper)

    assert chosen["text"] == "18 Mascot Street"
    assert chosen["slots"]["location_words_engine"] == (
        "whisper tiny.en number, pocketsphinx street"
    )
    assert chosen["slots"]["location_words_source"] == "automatic transcript"


def test_words_no_engine_can_place_are_kept_as_whisper_wrote_them() -> None:
    whisper = HeardEngine(["Um, it's by the big church."], [0.7], name="whisper tiny.en")
    chosen = transcribed(["dawes street"], [0.6], "streets", whisper)

    assert chosen["text"] == "Um, it's by the big church."


def test_a_silent_recording_is_not_decoded() -> None:
    engine = HeardEngine(["dawes"])
    done = transcriber(engine).transcribe(
        silence_wav(3.0), slot="location_words", grammar_name="streets"
    )

    assert done["text"] == "" and done["slots"]["location_words_source"] == "nothing recognised"
    assert engine.grammars == []


def test_a_gateway_on_twilios_recognition_says_why_a_description_has_no_transcript() -> None:
    job = JobRequest(1, "CA1:9:transcribe", "transcribe", "CA1", {"slot": "description"})

    done = not_transcribed(job)

    assert done == {
        "text": "",
        "slots": {
            "description_source": "not transcribed: speech is recognised by Twilio on this gateway"
        },
    }


def test_an_address_the_first_engine_settles_is_not_heard_again() -> None:
    whisper = HeardEngine(["20 charles three west"], [0.9], name="whisper tiny.en")
    chosen = transcribed(["1088 saratoga street"], [0.95], "streets", whisper)
    unsure = transcribed(["1088 saratoga street"], [0.7], "streets", whisper)

    assert chosen["text"] == "1088 saratoga street"
    assert chosen["slots"]["location_words_alternatives"] == "1088 saratoga street"
    assert len(whisper.grammars) == 1  # asked only for the unsure one
    assert "20 charles three west" in unsure["slots"]["location_words_alternatives"]


def test_each_text_is_looked_up_once_per_recording() -> None:
    asked: list[str] = []

    class CountingResolver(TableResolver):
        def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
            asked.append(words)
            return super().resolve(words, postal_code=postal_code)

    whisper = HeardEngine(["18 masked street"], [0.6], name="whisper tiny.en")
    engine = HeardEngine(["eighty mascot street"], [0.8])
    done = Transcriber(
        settings=Settings(),
        http=httpx.Client(),
        engines=lambda grammar, language: [engine, whisper],
        street_names=lambda: STREETS,
        resolver=CountingResolver(),
        confident_score=0.8,
    ).transcribe(
        spoken_wav("eighteen mascot street", "flite:rms"),
        slot="location_words",
        grammar_name="streets",
    )

    assert done["text"] == "18 Mascot Street"
    assert len(asked) == len(set(asked))  # the early stop, readings and crossings share answers
