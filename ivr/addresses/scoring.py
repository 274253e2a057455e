"""How sure the gazetteer geocoder is: scores 0..1 and the threshold for "confident".

A result's score is the product of three factors:

- how closely the street matched what was heard (:mod:`ivr.addresses.index`: 1.0 for the same
  key, less for a missing or different suffix, less again for a sound-alike or a near
  spelling);
- how precisely the place is known (:func:`address_quality`, :func:`interpolation_quality`,
  :func:`intersection_quality`, ``STREET_QUALITY``);
- how likely the parser's reading of the words was, relative to its best reading
  (:func:`reading_factor`).

The interpolation and intersection qualities were set from a leave-one-out measurement on the
Boston address points: every known number was hidden in turn and interpolated from the others
(see docs/addresses-geocoding.md). A same-side interpolation between neighbours less than
60 m apart lands within 50 m of the true point 99.7 % of the time; between neighbours 120 m
apart 98 %; across the street (neighbours of the other parity) only 85–90 %.

A result at or above :data:`CONFIDENT_SCORE` is read back to the caller as found; below it,
the call flow asks again. An ambiguous result is capped below the threshold.
"""

from __future__ import annotations

from ivr.addresses.geometry import Interpolation

CONFIDENT_SCORE = 0.8
AMBIGUOUS_CAP = 0.7  # an ambiguous result is never confident
CONTENDER_MARGIN = 0.12  # a different place scoring within this of the best makes it ambiguous
STREET_QUALITY = 0.45  # somewhere on the street: the caller gave no usable number
NUMBER_NOT_ON_STREET_QUALITY = 0.35  # the number said is far outside the street's numbers
OTHER_AREA_FACTOR = 0.75  # the street is not in the postal code or neighbourhood the caller gave
INTERPOLATION_REACH = 10  # numbers beyond the last known one still placed on it


def address_quality(*, same_text: bool) -> float:
    """An address point with the number said (``12A`` for ``12A``), or with its digits only."""
    return 1.0 if same_text else 0.9


def interpolation_quality(found: Interpolation) -> float:
    """How much a number placed between (or beyond) known numbers can be trusted."""
    if found.beyond_range:
        return 0.74 if found.same_parity else 0.6
    if found.same_parity:
        if found.span_m <= 60:
            return 0.88
        if found.span_m <= 120:
            return 0.84
        if found.span_m <= 200:
            return 0.74
        if found.span_m <= 400:
            return 0.65
        return 0.5
    if found.span_m <= 60:
        return 0.76
    if found.span_m <= 150:
        return 0.66
    return 0.5


def intersection_quality(gap_m: float) -> float:
    """Two streets whose nearest address points are ``gap_m`` metres apart meet about there."""
    if gap_m <= 30:
        return 0.88
    if gap_m <= 45:
        return 0.82
    return 0.72


def reading_factor(weight: float, best_weight: float) -> float:
    """A reading the parser found less likely than its best one scores a little lower."""
    if best_weight <= 0:
        return 1.0
    relative = max(0.0, min(1.0, weight / best_weight))
    return 0.7 + 0.3 * relative


def combine(similarity: float, quality: float, factor: float = 1.0) -> float:
    return round(max(0.0, min(1.0, similarity * quality * factor)), 3)
