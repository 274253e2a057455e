"""A date as a person says it, in the caller's language: "March 5, 2024", "5 de marzo de 2024";
and a day ahead as a person names it: "Friday, December 4", "viernes 4 de diciembre".

The words come from the prompt catalogue (``date.spoken``, ``date.day``, ``date.day_year`` and
the ``months`` and ``weekdays`` word lists), so a new language needs no code. A moment is said
on the city's clock when the gateway knows the city's time zone (``IVR_CITY_TIMEZONE``), else
in its own offset: the city wrote it in its own time, and that is the day the city means.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from flows.catalogue import Catalogue


def spoken_date(moment: datetime, catalogue: Catalogue, zone: tzinfo | None = None) -> str:
    day = _on_clock(moment, zone).date()
    months = catalogue.words.get("months", ())
    if len(months) != 12 or "date.spoken" not in catalogue.prompts:
        return day.isoformat()
    values = {"day": str(day.day), "month": months[day.month - 1], "year": str(day.year)}
    return catalogue.text("date.spoken", values)


def spoken_day(
    moment: datetime, catalogue: Catalogue, *, today: date, zone: tzinfo | None = None
) -> str:
    """The day of ``moment`` with its weekday; the year only when it is not ``today``'s."""
    day = _on_clock(moment, zone).date()
    months = catalogue.words.get("months", ())
    weekdays = catalogue.words.get("weekdays", ())
    key = "date.day" if day.year == today.year else "date.day_year"
    if len(months) != 12 or len(weekdays) != 7 or key not in catalogue.prompts:
        return spoken_date(moment, catalogue, zone)
    values = {
        "weekday": weekdays[day.weekday()],
        "day": str(day.day),
        "month": months[day.month - 1],
        "year": str(day.year),
    }
    return catalogue.text(key, values)


def local_day(moment: datetime, zone: tzinfo | None) -> date:
    """The calendar day of ``moment`` on the city's clock (or in its own offset)."""
    return _on_clock(moment, zone).date()


def _on_clock(moment: datetime, zone: tzinfo | None) -> datetime:
    if zone is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(zone)
