"""A date as a person says it, in the caller's language: "March 5, 2024", "5 de marzo de 2024".

The words come from the prompt catalogue (``date.spoken`` and the ``months`` word list), so a
new language needs no code. A moment is said in its own offset: the city wrote it in its own
time, and that is the day the city means.
"""

from __future__ import annotations

from datetime import datetime

from flows.catalogue import Catalogue


def spoken_date(moment: datetime, catalogue: Catalogue) -> str:
    months = catalogue.words.get("months", ())
    if len(months) != 12 or "date.spoken" not in catalogue.prompts:
        return moment.date().isoformat()
    values = {"day": str(moment.day), "month": months[moment.month - 1], "year": str(moment.year)}
    return catalogue.text("date.spoken", values)
