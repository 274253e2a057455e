"""Street-name normalisation: written forms → one key; keys → what a person says."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

import ivr
from ivr.addresses.streets import (
    StreetName,
    parse_street,
    speakable_street,
    street_key,
    street_keys,
)

BOSTON_CSV = Path(ivr.__file__).parent / "data" / "boston-addresses.csv"


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Washington Street", "WASHINGTON ST"),
        ("washington st", "WASHINGTON ST"),
        ("  WASHINGTON   STREET. ", "WASHINGTON ST"),
        ("N. Beacon St", "N BEACON ST"),
        ("North Beacon Street", "N BEACON ST"),
        ("Fifth Avenue", "5TH AVE"),
        ("5th Ave", "5TH AVE"),
        ("5TH AV", "5TH AVE"),
        ("Twenty-Third Street", "23RD ST"),
        ("twenty third street", "23RD ST"),
        ("23rd St", "23RD ST"),
        ("One Hundred and Tenth Street", "110TH ST"),
        ("110th Street", "110TH ST"),
        ("West First Street", "W 1ST ST"),
        ("Avenue Louis Pasteur", "AVENUE LOUIS PASTEUR"),
        ("Ave Louis Pasteur", "AVENUE LOUIS PASTEUR"),
        ("Saint James Ave", "SAINT JAMES AVE"),
        ("St. James Avenue", "SAINT JAMES AVE"),
        ("St James Ave", "SAINT JAMES AVE"),
        ("Martin Luther King Jr Boulevard", "MARTIN LUTHER KING JR BLVD"),
        ("Martin Luther King Junior Blvd.", "MARTIN LUTHER KING JR BLVD"),
        ("Massachusetts Ave", "MASSACHUSETTS AVE"),
        ("Mt Vernon St", "MOUNT VERNON ST"),
        ("Mount Vernon Street", "MOUNT VERNON ST"),
        ("Park Street", "PARK ST"),
        ("Park Drive", "PARK DR"),
        ("Dr. Michael Gavin Way", "DOCTOR MICHAEL GAVIN WAY"),
        ("West Broadway", "W BROADWAY"),
        ("South Street", "SOUTH ST"),
        ("Charles Street South", "CHARLES ST S"),
        ("Charlesgate East", "CHARLESGATE E"),
        ("O'Brien Court", "OBRIEN CT"),
        ("Crowley-Rogers Way", "CROWLEY ROGERS WAY"),
        ("VFW Pkwy", "VFW PKWY"),
        ("Morrissey Blvd", "MORRISSEY BLVD"),
        ("Elm", "ELM"),
        ("Hanover STreet", "HANOVER ST"),
        ("Stratton Street Extension", "STRATTON ST EXT"),
        ("Stratton St Ext", "STRATTON ST EXT"),
        ("Gillette Park", "GILLETTE PARK"),
        ("Copley Sq", "COPLEY SQ"),
        ("Harborside drive", "HARBORSIDE DR"),
        ("Newbury St 5th floor", "NEWBURY ST"),
        ("Dartmouth Street, 3rd Floor", "DARTMOUTH ST"),
        ("Main Street Suite 400", "MAIN ST"),
        ("105 West First Street", "W 1ST ST"),
        ("Archdale Road;Brookway Road", "ARCHDALE RD"),
        ("Pier 4 Boulevard", "PIER 4 BLVD"),
    ],
)
def test_written_forms_normalise_to_one_key(written: str, key: str) -> None:
    assert street_key(written) == key


def test_parts_are_split_the_publication_28_way() -> None:
    assert parse_street("n. washington st. west") == StreetName("N", "WASHINGTON", "ST", "W")
    assert parse_street("N Washington St W").key == "N WASHINGTON ST W"
    assert parse_street("Elm").core == "ELM"
    assert parse_street("North Elm Street").core == "N ELM"


def test_every_street_suffix_form_in_publication_28_reaches_its_standard() -> None:
    for written, standard in [
        ("ALLEE", "ALY"),
        ("BOULV", "BLVD"),
        ("CENTRE", "CTR"),
        ("CRCLE", "CIR"),
        ("EXPRESSWAY", "EXPY"),
        ("FRWY", "FWY"),
        ("HIWAY", "HWY"),
        ("PARKWY", "PKWY"),
        ("SQRE", "SQ"),
        ("STRT", "ST"),
        ("TERR", "TER"),
        ("TRNPK", "TPKE"),
        ("VILLIAGE", "VLG"),
    ]:
        assert parse_street(f"Oak {written}").suffix == standard


def test_several_names_in_one_field_give_every_key() -> None:
    assert street_keys("Drydock Avenue;Dry Dock Avenue") == ("DRYDOCK AVE", "DRY DOCK AVE")
    assert street_keys("William J. Day Boulevard;William J Day Boulevard") == (
        "WILLIAM J DAY BLVD",
    )


@pytest.mark.parametrize("written", ["", "   ", "--", ";", ", 3rd floor"])
def test_a_name_without_words_is_refused_with_a_reason(written: str) -> None:
    with pytest.raises(ValueError, match="street name"):
        parse_street(written)


@pytest.mark.parametrize(
    ("street", "spoken"),
    [
        ("Washington Street", "Washington Street"),
        ("WASHINGTON ST", "Washington Street"),
        ("5th Ave", "Fifth Avenue"),
        ("23RD ST", "Twenty-Third Street"),
        ("110TH ST", "One Hundred Tenth Street"),
        ("N. Beacon St", "North Beacon Street"),
        ("Avenue Louis Pasteur", "Avenue Louis Pasteur"),
        ("St. James Ave", "Saint James Avenue"),
        ("MARTIN LUTHER KING JR BLVD", "Martin Luther King Junior Boulevard"),
        ("O'Brien Court", "O'Brien Court"),
        ("McDonough Way", "McDonough Way"),
        ("Charles Street South", "Charles Street South"),
        ("VFW Pkwy", "VFW Parkway"),
        ("Stratton St Extension", "Stratton Street Extension"),
        ("ELM", "Elm"),
    ],
)
def test_a_street_is_said_the_way_a_person_says_it(street: str, spoken: str) -> None:
    assert speakable_street(street) == spoken


def test_a_parsed_street_is_said_from_its_parts() -> None:
    assert speakable_street(StreetName("W", "1ST", "ST", "")) == "West First Street"
    assert speakable_street(StreetName("", "SAINT JAMES", "AVE", "")) == "Saint James Avenue"


def _boston_street_names() -> list[str]:
    with BOSTON_CSV.open(newline="", encoding="utf-8") as handle:
        return sorted({row["Street name"] for row in csv.DictReader(handle)})


def test_every_boston_street_name_parses() -> None:
    names = _boston_street_names()
    assert len(names) > 2900
    for written in names:
        street = parse_street(written)
        assert street.name, written
        assert speakable_street(written), written


# Names in the sample that really are the same street written differently (abbreviations,
# punctuation, case, a floor or a second street in the same field): they, and only they,
# share a key.
SAME_STREET = [
    {"105 West First Street", "West First Street"},
    {"5th Street", "Fifth Street"},
    {"Archdale Road", "Archdale Road;Brookway Road", "Archdale Road;Brookway Terrace"},
    {"Beacon St.", "Beacon Street"},
    {"Boylston Street", "Boylston Street;Massachusetts Avenue"},
    {"Brookway Road", "Brookway Road;Archdale Road"},
    {"Commercial Street", "Commercial Street;Chatham Street"},
    {"Corinth St", "Corinth Street"},
    {"Dartmouth Street", "Dartmouth Street, 3rd Floor"},
    {"David G Mugar Way", "David G. Mugar Way"},
    {"Devonshire Street", "Devonshire Street;Congress Street"},
    {"Drydock Avenue", "Drydock Avenue;Dry Dock Avenue"},
    {"FID Kennedy Avenue", "FID Kennedy Avenue;Fid Kennedy Avenue"},
    {"Germania Street", "Germania Street;Boylston Street"},
    {"Green Street", "Green Street;Meehan Place;Union Avenue"},
    {"Hanover STreet", "Hanover Street"},
    {"Harborside Dr", "Harborside Drive", "Harborside drive"},
    {"Harrison Ave", "Harrison Avenue"},
    {"Huntington Ave", "Huntington Avenue"},
    {"Hyde Park Ave", "Hyde Park Avenue"},
    {"LaGrange Street", "Lagrange Street"},
    {"Maplewood Street", "Maplewood Street;Washington Street"},
    {"McLellan Street", "Mclellan Street"},
    {"Morton Village Dr", "Morton Village Drive"},
    {"Newbury St 2nd Floor", "Newbury St 5th Floor", "Newbury St 5th floor", "Newbury Street"},
    {"Old Morton Street", "Old Morton Street;Morton Street"},
    {"Rev Robert M Costello Place", "Reverend Robert M. Costello Place"},
    {"Sprague St", "Sprague Street"},
    {"Terminal Road", "Terminal Road;Service Road"},
    {"Tremont St", "Tremont Street"},
    {"VFW Parkway", "VFW Pkwy"},
    {"Washington Street", "Washington Street;Lee Hill Road"},
    {
        "William J Day Boulevard",
        "William J. Day Boulevard",
        "William J. Day Boulevard;William J Day Boulevard",
    },
    {"William T Morrissey Boulevard", "William T. Morrissey Boulevard"},
]


def test_only_the_same_street_written_differently_shares_a_key() -> None:
    by_key: dict[str, set[str]] = defaultdict(set)
    for written in _boston_street_names():
        by_key[street_key(written)].add(written)
    shared = sorted((names for names in by_key.values() if len(names) > 1), key=sorted)
    assert shared == sorted(SAME_STREET, key=sorted)
