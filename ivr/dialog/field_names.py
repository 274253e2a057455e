"""A dataclass's field names, asked once per class.

``dataclasses.fields`` builds its tuple anew at each call, and a call's state (its actions,
timeline, place and staff link) is written and read back as plain data at every webhook.
"""

from __future__ import annotations

import dataclasses

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """The names of the dataclass ``cls``'s fields, in their order."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names
