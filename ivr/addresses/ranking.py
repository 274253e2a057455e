"""The last step of geocoding: the results of every reading and street, put in order.

One result per place (results closer than ``DISTINCT_M`` are the same answer); the best gets,
as alternatives, the other places scoring within ``ALTERNATIVE_MARGIN`` of it; a different
place scoring within ``CONTENDER_MARGIN`` makes the best ambiguous; an ambiguous result is
capped below the confident threshold, and no result after the best outscores it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ivr.addresses import scoring
from ivr.addresses.geometry import distance_m
from ivr.addresses.types import GeocodeResult, Place

DISTINCT_M = 50.0  # results further apart than this are different answers
MAX_ALTERNATIVES = 5
ALTERNATIVE_MARGIN = 0.3  # other results this close to the best are offered as alternatives
MAX_RESULTS = 6


def distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def rank_results(results: list[GeocodeResult]) -> list[GeocodeResult]:
    """Best first; one result per place; the best made ambiguous by close contenders.

    Results are ranked on their uncapped scores (a street heard exactly, found in two places,
    still outranks a sound-alike street found in one); ambiguous results are then capped
    below the confident threshold.
    """
    ordered = sorted(results, key=lambda r: -r.score)
    kept: list[GeocodeResult] = []
    for result in ordered:
        if all(_apart(result.place, k.place) for k in kept):
            kept.append(result)
    best, rest = kept[0], kept[1:]
    contenders = [r for r in rest if r.score >= best.score - scoring.CONTENDER_MARGIN]
    own = list(best.alternatives)
    extra = [
        r.place
        for r in rest
        if r.place is not None
        and r.score >= best.score - ALTERNATIVE_MARGIN
        and all(_apart(r.place, p) for p in own)
    ]
    best = dataclasses.replace(best, alternatives=tuple([*own, *extra][:MAX_ALTERNATIVES]))
    if contenders and not best.ambiguous:
        places = [best.place, *(r.place for r in contenders)]
        codes = distinct(p.postal_code for p in places if p is not None)
        best = dataclasses.replace(best, ambiguous=True, ask_about=codes if len(codes) > 1 else ())
    best = _capped(best, scoring.AMBIGUOUS_CAP if best.ambiguous else 1.0)
    # The others never outscore the best: a contender is part of the best's ambiguity.
    return [best, *(_capped(r, best.score) for r in rest[: MAX_RESULTS - 1])]


def _capped(result: GeocodeResult, ceiling: float) -> GeocodeResult:
    if result.ambiguous:
        ceiling = min(ceiling, scoring.AMBIGUOUS_CAP)
    if result.score > ceiling:
        return dataclasses.replace(result, score=ceiling)
    return result


def _apart(first: Place | None, second: Place | None) -> bool:
    if first is None or second is None:
        return True
    return distance_m(first.lat, first.lon, second.lat, second.lon) > DISTINCT_M
