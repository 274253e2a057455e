"""The part of the area a caller names around an address: "… in Dorchester".

The spoken parser knows postal codes; it cannot know a city's neighbourhoods. The gazetteer
does (from its points), so before parsing, a trailing or embedded "in <neighbourhood>" is taken
out of the words and turned into the postal codes of that neighbourhood, which the geocoder
then prefers. "in" is required, and a suffix word right after the name keeps it a street
("Hyde Park Avenue", "in Dorchester Avenue"), so street names that are also neighbourhoods are
left alone.
"""

from __future__ import annotations

import re
from typing import Protocol

from ivr.addresses.spoken_words import join_directional_initials
from ivr.addresses.usps_suffixes import SUFFIX_STANDARD

_MAX_WORDS = 200


class KnowsAreas(Protocol):
    def neighbourhoods(self) -> tuple[str, ...]: ...

    def postal_codes_of(self, neighbourhood: str) -> frozenset[str]: ...


def split_area(words: str, index: KnowsAreas) -> tuple[str, frozenset[str] | None]:
    """(the words without "in <neighbourhood>", that neighbourhood's postal codes or None)."""
    tokens = re.sub(r"[^\w'\s]", " ", join_directional_initials(words)).split()[:_MAX_WORDS]
    upper = [token.upper() for token in tokens]
    names = sorted(index.neighbourhoods(), key=lambda n: -len(n.split()))
    for start in range(len(upper) - 1, -1, -1):
        if upper[start] != "IN":
            continue
        at = start + 1
        if at < len(upper) and upper[at] == "THE":
            at += 1
        for name in names:
            parts = name.split()
            end = at + len(parts)
            if upper[at:end] != parts:
                continue
            if end < len(upper) and upper[end] in SUFFIX_STANDARD:
                continue
            codes = index.postal_codes_of(name)
            if codes:
                return " ".join(tokens[:start] + tokens[end:]), codes
    return " ".join(tokens), None
