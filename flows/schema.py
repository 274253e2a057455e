"""The JSON Schema of flow documents (``schema.json``), and validators for it and its parts.

Errors become :class:`flows.model.Problem` values that name the state and field, sorted, all at
once rather than the first only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from flows.model import Problem

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"


@cache
def flow_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def validator(definition: str = "") -> Draft202012Validator:
    """The validator of a whole flow document, or of the part the schema defines as
    ``$defs/<definition>`` (a fragment document, a flow's ``include`` list)."""
    schema = flow_schema()
    if not definition:
        return Draft202012Validator(schema)
    return Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]})


def schema_problems(
    doc: Any, source: str, *, definition: str = "", prefix: str = ""
) -> list[Problem]:
    """Every way ``doc`` breaks the schema (or one of its ``$defs``), each naming its state and
    field; ``prefix`` is the field path of ``doc`` inside its document."""
    errors: Iterable[ValidationError] = validator(definition).iter_errors(doc)
    problems = [_problem(source, error, prefix) for error in errors]
    return sorted(problems, key=lambda p: (p.state, p.field, p.message))


def _problem(source: str, error: ValidationError, prefix: str) -> Problem:
    path = [str(part) for part in error.absolute_path]
    state = ""
    if not prefix and len(path) >= 2 and path[0] == "states":
        state, path = path[1], path[2:]
    field = ".".join([prefix, *path] if prefix else path)
    message = error.message
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = min(error.context, key=lambda e: len(list(e.absolute_path)))
        message = f"{best.message} (or another accepted form)"
    return Problem(source, state, field, message)
