"""A failed statement's text is logged: the values it carried (a caller's number, words) are not
part of it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ivr.store.db import make_engine


def test_a_failed_statement_does_not_carry_its_parameters_into_the_error() -> None:
    engine = make_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE calls (number TEXT NOT NULL UNIQUE)"))
        connection.execute(text("INSERT INTO calls VALUES (:number)"), {"number": "+16175550123"})
    with pytest.raises(IntegrityError) as failed, engine.begin() as connection:
        connection.execute(text("INSERT INTO calls VALUES (:number)"), {"number": "+16175550123"})
    assert "UNIQUE" in str(failed.value)
    assert "6175550123" not in str(failed.value)
