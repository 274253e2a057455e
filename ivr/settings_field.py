"""A setting's declaration: a dataclass field whose metadata carries its documentation.

:class:`ivr.settings.Settings` and the groups of settings it inherits from
(``ivr.settings_server``, ``ivr.settings_open311``, ``ivr.settings_work`` and
``ivr.settings_addresses``) declare every setting with :func:`setting`;
``ivr.settings.documented_settings`` reads the documentation back for the README's table.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any


def setting(default: Any, doc: str) -> Any:
    """A field defaulting to ``default``, with ``doc``, its environment variable's description."""
    return field(default=default, metadata={"doc": doc})
