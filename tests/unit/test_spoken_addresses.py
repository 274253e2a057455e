"""Spoken addresses as callers say them → the candidates the gazetteer receives.

Each row is what a recogniser writes for a real way of saying an address, and the best
candidate written as "house | street key | cross street key | postal code" ("-" for none).
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ivr.addresses.spoken import ParseResult, parse_spoken

BEST = [
    # pairs
    ("twelve thirty four washington street", "1234 | WASHINGTON ST"),
    ("twelve thirty-four Washington Street", "1234 | WASHINGTON ST"),
    ("nineteen oh five commonwealth avenue", "1905 | COMMONWEALTH AVE"),
    ("nineteen o five commonwealth ave", "1905 | COMMONWEALTH AVE"),
    ("eleven twenty dorchester avenue", "1120 | DORCHESTER AVE"),
    ("fourteen fifty blue hill avenue", "1450 | BLUE HILL AVE"),
    ("twenty twenty centre street", "2020 | CENTRE ST"),
    ("thirteen hundred and two river street", "1302 | RIVER ST"),
    ("four twenty tremont street", "420 | TREMONT ST"),
    ("three fifteen columbus avenue", "315 | COLUMBUS AVE"),
    ("two twenty two elm street", "222 | ELM ST"),
    ("one twenty three main street", "123 | MAIN ST"),
    ("five sixty harrison avenue", "560 | HARRISON AVE"),
    ("nine ninety nine boylston street", "999 | BOYLSTON ST"),
    ("seventeen seventy six beacon street", "1776 | BEACON ST"),
    ("ten ten commonwealth avenue", "1010 | COMMONWEALTH AVE"),
    ("twenty one forty five washington street", "2145 | WASHINGTON ST"),
    ("thirty three oh one washington street", "3301 | WASHINGTON ST"),
    ("one fifty huntington avenue", "150 | HUNTINGTON AVE"),
    ("eight eighty eight hyde park avenue", "888 | HYDE PARK AVE"),
    # digits one by one, oh for zero
    ("one two three four washington street", "1234 | WASHINGTON ST"),
    ("one oh one elm street", "101 | ELM ST"),
    ("one zero one elm street", "101 | ELM ST"),
    ("two oh six dudley street", "206 | DUDLEY ST"),
    ("three o nine adams street", "309 | ADAMS ST"),
    ("five five beacon street", "55 | BEACON ST"),
    ("four four four newbury street", "444 | NEWBURY ST"),
    ("one oh oh one washington street", "1001 | WASHINGTON ST"),
    ("two seven nine a street", "279 | A ST"),
    ("double five beacon street", "55 | BEACON ST"),
    # hundreds and thousands
    ("fifteen hundred washington street", "1500 | WASHINGTON ST"),
    ("twelve hundred boylston street", "1200 | BOYLSTON ST"),
    ("two thousand and five dorchester avenue", "2005 | DORCHESTER AVE"),
    ("two thousand five dorchester avenue", "2005 | DORCHESTER AVE"),
    ("one hundred twenty tremont street", "120 | TREMONT ST"),
    ("one hundred and twenty tremont street", "120 | TREMONT ST"),
    ("three hundred and six hyde park avenue", "306 | HYDE PARK AVE"),
    ("three hundred six hyde park avenue", "306 | HYDE PARK AVE"),
    ("a hundred beacon street", "100 | BEACON ST"),
    ("one thousand washington street", "1000 | WASHINGTON ST"),
    ("twenty one hundred dorchester avenue", "2100 | DORCHESTER AVE"),
    ("nineteen hundred and five washington street", "1905 | WASHINGTON ST"),
    ("twelve hundred thirty four washington street", "1234 | WASHINGTON ST"),
    ("four thousand two hundred ninety one washington street", "4291 | WASHINGTON ST"),
    # plain numbers
    ("forty five beacon street", "45 | BEACON ST"),
    ("seven elm street", "7 | ELM ST"),
    ("twelve elm street", "12 | ELM ST"),
    ("sixty adams street", "60 | ADAMS ST"),
    ("ninety nine park drive", "99 | PARK DR"),
    ("eighteen tremont street", "18 | TREMONT ST"),
    # numerals from the recogniser
    ("1234 Washington Street", "1234 | WASHINGTON ST"),
    ("12 34 washington street", "1234 | WASHINGTON ST"),
    ("1,234 Washington St.", "1234 | WASHINGTON ST"),
    ("45 Beacon St", "45 | BEACON ST"),
    ("82A Elm Street", "82A | ELM ST"),
    ("12-14 Elm Street", "12 | ELM ST"),
    ("1500 5th Ave", "1500 | 5TH AVE"),
    ("101 elm", "101 | ELM"),
    # letters
    ("twelve a elm street", "12A | ELM ST"),
    ("eighty two b elm street", "82B | ELM ST"),
    ("one seventy three b centre street", "173B | CENTRE ST"),
    ("twelve a street", "12 | A ST"),
    ("forty e street", "40 | E ST"),
    # numbered streets
    ("fifteen hundred fifth avenue", "1500 | 5TH AVE"),
    ("twelve fifth avenue", "12 | 5TH AVE"),
    ("one oh one fifth street", "101 | 5TH ST"),
    ("ten first street", "10 | 1ST ST"),
    ("two hundred west third street", "200 | W 3RD ST"),
    ("four fifty east eighth street", "450 | E 8TH ST"),
    ("six hundred east broadway", "600 | E BROADWAY"),
    ("twenty third street", "- | 23RD ST"),
    ("one hundred and tenth street", "- | 110TH ST"),
    ("forty two west forty second street", "42 | W 42ND ST"),
    ("three forty five west fifty seventh street", "345 | W 57TH ST"),
    ("nine ninth street", "9 | 9TH ST"),
    ("one first avenue", "1 | 1ST AVE"),
    ("eleven second street", "11 | 2ND ST"),
    ("fifty 5th street", "50 | 5TH ST"),
    # directionals
    ("ten north washington street", "10 | N WASHINGTON ST"),
    ("ten n washington street", "10 | N WASHINGTON ST"),
    ("two fifty west broadway", "250 | W BROADWAY"),
    ("seventy charles street south", "70 | CHARLES ST S"),
    ("ninety south street", "90 | SOUTH ST"),
    ("five north square", "5 | NORTH SQ"),
    ("three east concord street", "3 | E CONCORD ST"),
    ("forty west street", "40 | WEST ST"),
    # suffixes spoken and abbreviated
    ("ten oak road", "10 | OAK RD"),
    ("ten oak rd", "10 | OAK RD"),
    ("five copley place", "5 | COPLEY PL"),
    ("eight oak court", "8 | OAK CT"),
    ("four mount vernon terrace", "4 | MOUNT VERNON TER"),
    ("sixty jamaica way", "60 | JAMAICA WAY"),
    ("one kenmore square", "1 | KENMORE SQ"),
    ("two hundred american legion highway", "200 | AMERICAN LEGION HWY"),
    ("fifty vfw parkway", "50 | VFW PKWY"),
    ("nine holly lane", "9 | HOLLY LN"),
    ("thirty harborside drive", "30 | HARBORSIDE DR"),
    ("one hundred william j day boulevard", "100 | WILLIAM J DAY BLVD"),
    ("forty martin luther king junior boulevard", "40 | MARTIN LUTHER KING JR BLVD"),
    ("ten saint james avenue", "10 | SAINT JAMES AVE"),
    ("ten st james avenue", "10 | SAINT JAMES AVE"),
    ("twenty avenue louis pasteur", "20 | AVENUE LOUIS PASTEUR"),
    ("one ashburton place", "1 | ASHBURTON PL"),
    ("three oh five blue hill ave", "305 | BLUE HILL AVE"),
    ("sixty five commercial wharf", "65 | COMMERCIAL WHARF"),
    ("one hundred soldiers field road", "100 | SOLDIERS FIELD RD"),
    ("twenty park drive", "20 | PARK DR"),
    ("ten park street", "10 | PARK ST"),
    ("twelve court street", "12 | COURT ST"),
    ("five mount pleasant avenue", "5 | MOUNT PLEASANT AVE"),
    ("eighty eight o'brien court", "88 | OBRIEN CT"),
    # missing suffix: the street core
    ("one oh one elm", "101 | ELM"),
    ("twelve thirty four washington", "1234 | WASHINGTON"),
    ("forty five beacon", "45 | BEACON"),
    ("fifteen hundred fifth", "1500 | 5TH"),
    ("ten fenway", "10 | FENWAY"),
    ("one oh one elm in dorchester", "101 | ELM"),
    # fillers and hesitations
    ("um it's at uh twelve thirty four washington street", "1234 | WASHINGTON ST"),
    ("it is at forty five beacon street", "45 | BEACON ST"),
    ("the address is one oh one elm street", "101 | ELM ST"),
    ("my address is twelve elm street", "12 | ELM ST"),
    ("i'm at twelve thirty four washington street", "1234 | WASHINGTON ST"),
    ("yeah it's uh near twelve thirty four washington street", "1234 | WASHINGTON ST"),
    ("in front of forty five beacon street", "45 | BEACON ST"),
    ("it's outside one oh one elm street", "101 | ELM ST"),
    ("across from twelve elm street", "12 | ELM ST"),
    ("right by fifteen hundred washington street", "1500 | WASHINGTON ST"),
    ("twelve elm street please", "12 | ELM ST"),
    ("okay so it's like twelve thirty four washington street", "1234 | WASHINGTON ST"),
    ("twelve thirty four washington street in boston", "1234 | WASHINGTON ST"),
    ("twelve thirty four washington street boston massachusetts", "1234 | WASHINGTON ST"),
    ("twelve thirty four washington street boston mass", "1234 | WASHINGTON ST"),
    ("uh um er twelve uh thirty four washington street", "1234 | WASHINGTON ST"),
    ("hi yes hello the address is twelve elm street thank you", "12 | ELM ST"),
    ("there's a huge pothole at twelve thirty four washington street", "1234 | WASHINGTON ST"),
    ("my car hit a hole on forty five beacon street", "45 | BEACON ST"),
    ("I think it's twelve thirty four washington street", "1234 | WASHINGTON ST"),
    ("number twelve elm street", "12 | ELM ST"),
    ("twelve elm street I think", "12 | ELM ST"),
    ("twelve thirty four washington street right there", "1234 | WASHINGTON ST"),
    ("Twelve Thirty Four, Washington Street.", "1234 | WASHINGTON ST"),
    ("TWELVE THIRTY FOUR WASHINGTON STREET", "1234 | WASHINGTON ST"),
    ("  twelve   thirty four   washington   street  ", "1234 | WASHINGTON ST"),
    # corrections
    ("twelve thirty four sorry twelve forty three washington street", "1243 | WASHINGTON ST"),
    ("twelve elm street no wait fourteen elm street", "14 | ELM ST"),
    ("twelve elm street I mean oak street", "- | OAK ST"),
    # homophones in number position
    ("one for five elm street", "145 | ELM ST"),
    ("for twenty tremont street", "420 | TREMONT ST"),
    ("too twenty too elm street", "222 | ELM ST"),
    ("won oh won elm street", "101 | ELM ST"),
    ("ate eighty beacon street", "880 | BEACON ST"),
    ("one tree five elm street", "135 | ELM ST"),
    ("twelve to fourteen elm street", "12 | ELM ST"),
    ("i'm looking for forty five beacon street", "45 | BEACON ST"),
    # postal codes
    ("forty five beacon street zip code zero two one one nine", "45 | BEACON ST | - | 02119"),
    ("twelve elm street oh two one two four", "12 | ELM ST | - | 02124"),
    ("1234 Washington St 02124", "1234 | WASHINGTON ST | - | 02124"),
    ("twelve elm street boston oh two one two four", "12 | ELM ST | - | 02124"),
    ("twelve elm street zip oh two one three oh", "12 | ELM ST | - | 02130"),
    ("twelve elm street the zip code is 02130", "12 | ELM ST | - | 02130"),
    ("twelve elm street postal code zero two one three zero please", "12 | ELM ST | - | 02130"),
    ("twelve elm street dorchester massachusetts zero two one two two", "12 | ELM ST | - | 02122"),
    # intersections
    ("the corner of main and fifth", "- | MAIN | 5TH"),
    ("corner of main street and fifth avenue", "- | MAIN ST | 5TH AVE"),
    ("main and fifth", "- | MAIN | 5TH"),
    ("main at fifth", "- | MAIN | 5TH"),
    ("main near fifth", "- | MAIN | 5TH"),
    ("main & fifth", "- | MAIN | 5TH"),
    ("the intersection of washington street and adams street", "- | WASHINGTON ST | ADAMS ST"),
    ("intersection of boylston and tremont", "- | BOYLSTON | TREMONT"),
    ("at the corner of beacon street and charles street", "- | BEACON ST | CHARLES ST"),
    ("washington street at the corner of adams", "- | WASHINGTON ST | ADAMS"),
    (
        "it's on the corner of dorchester avenue and east broadway",
        "- | DORCHESTER AVE | E BROADWAY",
    ),
    ("massachusetts avenue and columbus avenue", "- | MASSACHUSETTS AVE | COLUMBUS AVE"),
    ("mass ave and columbus ave", "- | MASSACHUSETTS AVE | COLUMBUS AVE"),
    ("fifth and main", "- | 5TH | MAIN"),
    ("twenty third street and park avenue", "- | 23RD ST | PARK AVE"),
    ("i'm looking for the corner of washington and adams", "- | WASHINGTON | ADAMS"),
    ("there's a pothole at the corner of beacon and charles", "- | BEACON | CHARLES"),
    ("um the corner of uh main street and uh fifth street please", "- | MAIN ST | 5TH ST"),
    ("near the corner of tremont and boylston", "- | TREMONT | BOYLSTON"),
    ("where tremont meets boylston", "- | TREMONT | BOYLSTON"),
    ("corner of main and fifth zip code zero two one one nine", "- | MAIN | 5TH | 02119"),
    ("twelve thirty four washington street near adams street", "1234 | WASHINGTON ST | ADAMS ST"),
    ("twelve elm street at the corner of oak", "12 | ELM ST | OAK"),
    ("washington street between adams and bowdoin", "- | WASHINGTON ST | ADAMS"),
    ("west broadway and d street", "- | W BROADWAY | D ST"),
    # street only
    ("washington street", "- | WASHINGTON ST"),
    ("it's on washington street", "- | WASHINGTON ST"),
    ("somewhere on blue hill avenue", "- | BLUE HILL AVE"),
    ("west broadway", "- | W BROADWAY"),
    ("fifth avenue", "- | 5TH AVE"),
    ("the fenway", "- | FENWAY"),
    ("there's a pothole on elm street", "- | ELM ST"),
    ("i'm looking for elm street", "- | ELM ST"),
    ("there's a pothole on elm street near oak street", "- | ELM ST | OAK ST"),
    ("the pothole is at washington and adams", "- | WASHINGTON | ADAMS"),
    ("elm street on the corner of oak", "- | ELM ST | OAK"),
    ("i need someone to come to twelve elm street", "12 | ELM ST"),
    ("the streetlight is out in front of forty five beacon street", "45 | BEACON ST"),
    ("a car has been parked outside twelve elm street for a week", "12 | ELM ST"),
]

# Readings that must all be offered, because only the city's streets can tell them apart.
AMBIGUOUS = [
    ("one twenty third street", {"1 | 23RD ST", "120 | 3RD ST", "- | 123RD ST"}),
    ("two twenty second street", {"2 | 22ND ST", "220 | 2ND ST", "- | 222ND ST"}),
    ("two thirty first avenue", {"2 | 31ST AVE", "230 | 1ST AVE", "- | 231ST AVE"}),
    ("one tenth street", {"1 | 10TH ST", "- | 110TH ST"}),
    ("twenty third street", {"- | 23RD ST", "20 | 3RD ST"}),
    ("one oh fifth avenue", {"10 | 5TH AVE", "- | 105TH AVE"}),
    ("one hundred twenty fifth street", {"- | 125TH ST", "100 | 25TH ST", "120 | 5TH ST"}),
    ("one hundred and twenty fifth street", {"- | 125TH ST", "120 | 5TH ST"}),
    ("twelve b elm street", {"12B | ELM ST", "12 | B ELM ST"}),
    ("for twelve elm street", {"412 | ELM ST", "12 | ELM ST"}),
    ("twelve to fourteen elm street", {"12 | ELM ST", "12214 | ELM ST"}),
    ("two thousand and five blue hill avenue", {"2005 | BLUE HILL AVE"}),
]


def _described(result: ParseResult) -> list[str]:
    out = []
    for c in result.candidates:
        parts = [c.house_number or "-", c.street or "-"]
        if c.cross_street or c.postal_code:
            parts.append(c.cross_street or "-")
        if c.postal_code:
            parts.append(c.postal_code)
        out.append(" | ".join(parts))
    return out


@pytest.mark.parametrize(("spoken", "expected"), BEST)
def test_the_best_candidate_is_what_the_caller_meant(spoken: str, expected: str) -> None:
    result = parse_spoken(spoken)
    assert result.reason == ""
    assert _described(result)[0] == expected


@pytest.mark.parametrize(("spoken", "readings"), AMBIGUOUS)
def test_ambiguous_words_keep_every_reading(spoken: str, readings: set[str]) -> None:
    assert readings <= set(_described(parse_spoken(spoken)))


def test_the_table_is_large() -> None:
    assert len(BEST) + len(AMBIGUOUS) > 150


def test_fifteen_hundred_fifth_avenue_is_not_the_1505th() -> None:
    described = _described(parse_spoken("fifteen hundred fifth avenue"))
    assert described[0] == "1500 | 5TH AVE"
    assert "1505 | AVE" not in described


def test_for_is_a_word_where_it_is_not_a_number() -> None:
    described = _described(parse_spoken("i'm looking for the corner of washington and adams"))
    assert described[0] == "- | WASHINGTON | ADAMS"
    assert all("4" not in d for d in described)


def test_known_streets_put_the_existing_reading_first() -> None:
    city = {"3RD ST", "ELM ST", "MAIN ST"}
    result = parse_spoken("one twenty third street", known_streets=city.__contains__)
    assert _described(result)[0] == "120 | 3RD ST"
    # Without the predicate the first reading is another one: the city decided.
    assert _described(parse_spoken("one twenty third street"))[0] != "120 | 3RD ST"


def test_known_streets_are_asked_about_a_name_core_when_no_suffix_was_said() -> None:
    asked: list[str] = []

    def known(key: str) -> bool:
        asked.append(key)
        return key == "ELM"

    result = parse_spoken("one oh one elm", known_streets=known)
    assert _described(result)[0] == "101 | ELM"
    assert "ELM" in asked


def test_unknown_streets_are_ranked_lower_not_dropped() -> None:
    result = parse_spoken("twelve elm street", known_streets=lambda key: False)
    assert _described(result) == ["12 | ELM ST"]
    assert result.candidates[0].weight < parse_spoken("twelve elm street").candidates[0].weight


def test_candidates_are_ranked_with_weights_between_zero_and_one() -> None:
    result = parse_spoken("one twenty third street")
    weights = [c.weight for c in result.candidates]
    assert weights == sorted(weights, reverse=True)
    assert all(0 < w <= 1 for w in weights)
    assert all(c.reading for c in result.candidates)


def test_max_candidates_caps_the_list() -> None:
    assert len(parse_spoken("one twenty third street", max_candidates=1).candidates) == 1
    assert len(parse_spoken("one twenty third street", max_candidates=2).candidates) == 2


@pytest.mark.parametrize(
    ("spoken", "reason"),
    [
        ("", "nothing was said"),
        ("   ", "nothing was said"),
        ("um uh er", "only hesitations or noise were heard, no address"),
        ("?!.,", "only hesitations or noise were heard, no address"),
        ("yeah okay please", "only hesitations or noise were heard, no address"),
        ("hello yes thank you", "only filler words were heard, no address"),
        ("in boston massachusetts", "only filler words were heard, no address"),
        ("1234", "only a number was heard, no street name"),
        ("twelve thirty four", "only a number was heard, no street name"),
        ("one two three four five six seven eight nine", "only a number was heard, no street name"),
        ("oh two one two four", "only a number was heard, no street name"),
        ("for", "no street name could be read from the words"),
        ("it is the", "only filler words were heard, no address"),
        ("twelve street", "no street name could be read from the words"),
        ("twelve thirty four avenue", "no street name could be read from the words"),
    ],
)
def test_bad_input_gives_no_candidates_and_a_reason(spoken: str, reason: str) -> None:
    result = parse_spoken(spoken)
    assert result.candidates == ()
    assert result.reason == reason


def test_ten_thousand_characters_are_refused_with_a_reason() -> None:
    result = parse_spoken("twelve thirty four washington street " * 300)
    assert result.candidates == ()
    assert result.reason.startswith("too many words for one address")
    noise = parse_spoken("x" * 10_000)
    assert noise.candidates == ()
    assert noise.reason


def test_personal_data_stays_out_of_the_repr() -> None:
    result = parse_spoken("twelve thirty four washington street zip code zero two one two four")
    shown = repr(result)
    assert "1234" not in shown
    assert "WASHINGTON" not in shown
    assert "02124" not in shown


_VOCABULARY = """
one two twelve thirty four oh hundred thousand and fifth twenty third for to a b street avenue
st ave elm washington north corner of at near um zip code please boston sorry 1234 5th 02124
& - , .
"""
_WORDS = st.sampled_from(_VOCABULARY.split())


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=25))
@example(["fifth", "for", "one", "for", "one"])  # a homophone between numbers after a dropped one
def test_any_sequence_of_address_words_gives_a_result_never_an_exception(words: list[str]) -> None:
    result = parse_spoken(" ".join(words))
    assert bool(result.candidates) != bool(result.reason)
    assert all(c.street for c in result.candidates)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_result_never_an_exception(text: str) -> None:
    result = parse_spoken(text)
    assert bool(result.candidates) != bool(result.reason)
