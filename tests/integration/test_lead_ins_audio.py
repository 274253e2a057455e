"""Callers who say something before the address, heard by PocketSphinx with the street model.

Real synthesised voices down the simulated phone line, PocketSphinx with the street grammar
built from the Boston streets (as tests/integration/test_pocketsphinx.py builds it), and the
words placed by the gazetteer of Boston's real address points: the lead-in must come out as
itself (a word of the model, not a street name) and the address must be the one said.
"""

from __future__ import annotations

import pytest

from ivr.addresses.types import MatchLevel
from speech.engines import load_engine
from speech.grammars import street_grammar
from speech.recognizer import Engine, Grammar
from tests.support.gazetteers import city_geocoder
from tests.support.speech_audio import boston_streets, spoken_pcm

VOICES = ("flite:rms", "flite:slt")
PLACED = [
    ("the address is eight five seven dorchester avenue", "857", "Dorchester Avenue"),
    ("there's a pothole at seventy two tremont street", "72", "Tremont Street"),
    ("near five fourteen dorchester avenue", "514", "Dorchester Avenue"),
    ("yeah it's on four forty eight blue hill avenue", "448", "Blue Hill Avenue"),
]
# The slt voice's house numbers are often misheard whatever comes before them; its lead-ins
# are heard as said.
HEARD = [
    "in front of two sixty three blue hill avenue",
    "i'm calling about ninety five beacon street",
    "it's at one sixty six washington street",
    "it's on one twenty six commonwealth avenue",
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine("pocketsphinx")


@pytest.fixture(scope="module")
def streets() -> Grammar:
    return street_grammar(boston_streets())


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize(("text", "number", "street"), PLACED)
def test_a_lead_in_is_heard_as_itself_and_the_address_is_placed(
    engine: Engine, streets: Grammar, voice: str, text: str, number: str, street: str
) -> None:
    heard = engine.recognize(spoken_pcm(text, voice), streets).text
    assert heard.split()[:2] == text.split()[:2]

    best = city_geocoder("boston").resolve(heard)[0]
    assert best.level is MatchLevel.ADDRESS
    assert best.place is not None
    assert (best.place.house_number, best.place.street) == (number, street)


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("text", HEARD)
def test_a_lead_in_is_not_heard_as_a_street(
    engine: Engine, streets: Grammar, voice: str, text: str
) -> None:
    heard = engine.recognize(spoken_pcm(text, voice), streets).text.split()
    lead_in = text.split()[:3]
    assert heard[:3] == lead_in


def test_a_hesitation_before_the_lead_in_is_dropped(engine: Engine, streets: Grammar) -> None:
    said = "uh the address is two thirty three centre street"
    heard = engine.recognize(spoken_pcm(said, "flite:rms"), streets).text
    best = city_geocoder("boston").resolve(heard)[0]
    assert best.place is not None
    assert (best.place.house_number, best.place.street) == ("233", "Centre Street")
