"""Prompt catalogues: every word the gateway speaks or listens for, per language.

A catalogue file (``flows/catalogues/<language>.yaml``) holds::

    language: en            # the code flows use
    say_language: en-US     # the language attribute of <Say> and of speech recognition
    voice: ""               # optional text-to-speech voice name
    prompts: {key: "text with {named} placeholders"}
    words: {key: [phrases that mean it]}     # yes, no, operator, more, back…
    digits: {"1": [one, …]}                  # how a key is said aloud

Placeholders are plain names (``{address}``), never attribute or index look-ups, and are
filled only from named values.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flows.model import FlowError, Problem
from flows.yaml12 import load_yaml

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogues"


@dataclass(frozen=True)
class Catalogue:
    language: str
    say_language: str
    prompts: Mapping[str, str]
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    digits: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    voice: str = ""
    source: str = ""

    def text(self, key: str, values: Mapping[str, str] | None = None) -> str:
        """The prompt ``key`` with its placeholders filled; a missing value is an error."""
        template = self.prompts[key]
        given = values or {}
        missing = [name for name in placeholders(template) if name not in given]
        if missing:
            raise KeyError(f"prompt {key!r} ({self.language}) needs values {missing}")
        return template.format_map({name: given[name] for name in placeholders(template)})


def placeholders(template: str) -> list[str]:
    """The placeholder names of a template, in order."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def load_catalogue(path: Path) -> Catalogue:
    """Read and validate one catalogue file; errors name the file and the key."""
    source = path.name
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FlowError([Problem(source, "", "", f"cannot read catalogue: {error}")]) from None
    return catalogue_from_document(doc, source)


def catalogue_from_document(doc: Any, source: str) -> Catalogue:
    problems: list[Problem] = []

    def bad(where: str, message: str) -> None:
        problems.append(Problem(source, "", where, message))

    if not isinstance(doc, dict):
        raise FlowError([Problem(source, "", "", "a catalogue must be a mapping")])
    for name in ("language", "say_language"):
        if not isinstance(doc.get(name), str) or not doc.get(name):
            bad(name, "required text")
    prompts = doc.get("prompts")
    if not isinstance(prompts, dict) or not prompts:
        bad("prompts", "required mapping of key to text")
        prompts = {}
    for key, text in prompts.items():
        if not isinstance(text, str) or not text.strip():
            bad(f"prompts.{key}", "must be non-empty text")
            continue
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as error:
            bad(f"prompts.{key}", f"bad placeholder: {error}")
            continue
        for _, placeholder, spec, conversion in parsed:
            if placeholder is not None and (not placeholder.isidentifier() or spec or conversion):
                bad(f"prompts.{key}", f"placeholder {{{placeholder}}} must be a plain name")
    words = _word_lists(doc.get("words", {}), "words", bad)
    digits = _word_lists(doc.get("digits", {}), "digits", bad)
    if problems:
        raise FlowError(problems)
    return Catalogue(
        language=doc["language"],
        say_language=doc["say_language"],
        prompts=dict(prompts),
        words=words,
        digits=digits,
        voice=str(doc.get("voice") or ""),
        source=source,
    )


def _word_lists(raw: Any, where: str, bad: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        bad(where, "must be a mapping of key to a list of phrases")
        return {}
    lists: dict[str, tuple[str, ...]] = {}
    for key, phrases in raw.items():
        ok = isinstance(phrases, list) and phrases and all(isinstance(p, str) for p in phrases)
        if not ok:
            bad(f"{where}.{key}", "must be a non-empty list of phrases")
            continue
        lists[str(key)] = tuple(phrases)
    return lists


def load_catalogues(directory: Path = CATALOGUE_DIR) -> dict[str, Catalogue]:
    """Every ``*.yaml`` catalogue in ``directory``, by language code."""
    catalogues: dict[str, Catalogue] = {}
    for path in sorted(directory.glob("*.yaml")):
        catalogue = load_catalogue(path)
        catalogues[catalogue.language] = catalogue
    return catalogues


def compare_catalogues(catalogues: Mapping[str, Catalogue]) -> list[Problem]:
    """Every catalogue must have the same prompt keys with the same placeholders, and the
    same word lists and digits, so that a flow speaks every language it speaks one."""
    problems: list[Problem] = []
    every = list(catalogues.values())
    all_prompts = sorted({k for c in every for k in c.prompts})
    all_words = sorted({k for c in every for k in c.words})
    all_digits = sorted({k for c in every for k in c.digits})
    for catalogue in every:
        for key in all_prompts:
            if key not in catalogue.prompts:
                problems.append(Problem(catalogue.source, "", f"prompts.{key}", "missing"))
        for key in all_words:
            if key not in catalogue.words:
                problems.append(Problem(catalogue.source, "", f"words.{key}", "missing"))
        for key in all_digits:
            if key not in catalogue.digits:
                problems.append(Problem(catalogue.source, "", f"digits.{key}", "missing"))
    for key in all_prompts:
        shapes = {
            c.language: sorted(set(placeholders(c.prompts[key]))) for c in every if key in c.prompts
        }
        if len({tuple(s) for s in shapes.values()}) > 1:
            problems.append(
                Problem("catalogues", "", f"prompts.{key}", f"placeholders differ: {shapes}")
            )
    return problems
