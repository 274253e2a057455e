"""The last repairs of the location path: the street found by its keyed letters, and the
report that goes on without a confirmed place.

- ``match_street_letters``: the streets whose names start with the keyed letters
  (:class:`~ivr.addresses.keyed_streets.KeyedStreets`, through the context's ``streets``),
  four at a time: the first four are put in the slots ``street_option_1`` …
  ``street_option_4`` (what the menu says for each) and ``street_choices`` (what each is, for
  the lookup once one is chosen); ``street_more`` names the "more streets" option when more
  are left (empty: the menu does not offer it). Stale options of an earlier set of letters
  are cleared first.
- ``more_street_choices``: the next four of the same letters (``street_page`` counts them).
- ``resolve_street_choice``: the chosen street, with the keyed house number, looked up and
  read back like any address.
- ``keep_place_unconfirmed``: no place could be confirmed; the call's location becomes the
  caller's own words (what they said, else what they keyed), with no coordinates, marked
  :data:`~ivr.dialog.state.PLACE_UNCONFIRMED` for staff and the city.
"""

from __future__ import annotations

import json

from flows.behaviour_specs import STREET_MORE_SLOT, STREET_OPTION_SLOTS
from flows.model import State
from ivr.addresses.keyed_streets import MAX_CHOICES, MAX_PAGES
from ivr.dialog.placing import place_words
from ivr.dialog.state import PLACE_UNCONFIRMED, Location
from ivr.dialog.turn import Turn

CHOICES_SLOT = "street_choices"
PAGE_SLOT = "street_page"  # which four of the streets the menu offers: 0, 1, …
MORE_WORDS = "more_streets"  # the catalogue's words for it


def _first(turn: Turn, state: State, input_name: str) -> str:
    names = state.inputs.get(input_name, ())
    return next((turn.slots[s].strip() for s in names if turn.slots.get(s, "").strip()), "")


def match_street_letters(turn: Turn, state: State) -> str:
    """``found``: at least one street starts with the keyed letters (the first four are
    offered); ``none``: no street does; ``failed``: this gateway has no street list (a remote
    geocoder)."""
    return _offer_streets(turn, state, page=0)


def more_street_choices(turn: Turn, state: State) -> str:
    """``found``: the next four streets of the same letters are offered; ``none``: there are
    no more (the menu offers "more" only when there are); ``failed`` as above."""
    try:
        page = int(turn.slots.get(PAGE_SLOT) or "0") + 1
    except ValueError:
        page = 1
    return _offer_streets(turn, state, page=page)


def _offer_streets(turn: Turn, state: State, *, page: int) -> str:
    streets = turn.context.streets
    if streets is None:
        return "failed"
    keys = _first(turn, state, "letters")
    found = streets.choices(
        keys, _first(turn, state, "house_number"), limit=MAX_CHOICES * MAX_PAGES
    )
    start = page * len(STREET_OPTION_SLOTS)
    choices = found[start : start + len(STREET_OPTION_SLOTS)]
    menu = (*STREET_OPTION_SLOTS, STREET_MORE_SLOT)
    slots = {k: v for k, v in turn.slots.items() if k not in menu}
    for slot, choice in zip(STREET_OPTION_SLOTS, choices, strict=False):
        slots[slot] = choice.spoken
    slots[CHOICES_SLOT] = json.dumps(
        [{"street": c.street, "postal_code": c.postal_code} for c in choices]
    )
    slots[PAGE_SLOT] = str(page)
    if len(found) > start + len(choices):
        more = turn.catalogue.words.get(MORE_WORDS, ())
        slots[STREET_MORE_SLOT] = more[0] if more else "more"
    turn.slots = slots
    return "found" if choices else "none"


def resolve_street_choice(turn: Turn, state: State) -> str:
    """The street chosen (its number in the ``choice`` slot: "1" … "4") with the house
    number: ``done`` and read back, ``failed`` when the choice is unknown or not found, and
    ``no_number`` when no house number has been keyed yet (the letters came straight after
    the ZIP code): a street without one is no place a caller can confirm, so the flow asks
    it and comes back here."""
    try:
        offered = json.loads(turn.slots.get(CHOICES_SLOT) or "[]")
        chosen = offered[int(_first(turn, state, "choice")) - 1]
        street, postal_code = str(chosen["street"]), str(chosen["postal_code"])
    except (ValueError, IndexError, KeyError, TypeError):
        return "failed"
    number = _first(turn, state, "house_number")
    if not number:
        return "no_number"
    return place_words(turn, f"{number} {street}", postal_code or None, settle_ambiguity=True)


def keep_place_unconfirmed(turn: Turn, state: State) -> str:
    """The caller's own words become the place: the address they said (``said``), and the
    keyed house number with the street said alone (``house_number``, ``street``), each when
    there is one; with no words at all, the keys they pressed (``letters``). Always
    ``done``."""
    said = _first(turn, state, "said")
    number = _first(turn, state, "house_number")
    street = _first(turn, state, "street")
    letters = _first(turn, state, "letters")
    parts = [said] if said else []
    if street:
        parts.append(f"{number} {street}".strip())
    elif not said and (number or letters):
        keyed = f" (street keyed as {'-'.join(letters)})" if letters else ""
        parts.append(f"{number}{keyed}".strip())
    words = " / ".join(dict.fromkeys(parts))
    turn.set_location(Location(outcome=PLACE_UNCONFIRMED, query=words))
    return "done"
