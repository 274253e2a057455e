"""The city's street grammars kept on disk: built once per dataset, loaded after, never trusted
when damaged."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from speech.grammar_cache import GrammarCache
from speech.grammars import street_grammar, street_name_grammar

STREETS = ("Washington Street", "Saratoga Street", "Centre Street")
ADDRESSES = [(438, "Washington Street"), (1088, "Saratoga Street"), (12, "Centre Street")]


def entries(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if not p.name.startswith("."))


def test_the_second_start_loads_the_grammars_built_by_the_first(tmp_path: Path) -> None:
    first = GrammarCache(tmp_path).street_grammars(STREETS, ADDRESSES)
    second = GrammarCache(tmp_path).street_grammars(STREETS, ADDRESSES)

    assert not first.from_cache and second.from_cache
    built = street_grammar(STREETS, ADDRESSES)
    assert second.streets.name == built.name
    assert second.streets.phrases == built.phrases and second.streets.words == built.words
    assert second.street_names.phrases == street_name_grammar(STREETS).phrases
    assert not second.streets.strict
    # Both compiled models are there, one per grammar, in the one entry.
    assert sorted(second.models) == sorted([built.name, street_name_grammar(STREETS).name])
    assert all(path.stat().st_size > 0 for path in second.models.values())
    assert len(entries(tmp_path)) == 1


def _from_cache(root: str) -> bool:
    return GrammarCache(Path(root)).street_grammars(STREETS, ADDRESSES).from_cache


def test_workers_starting_together_build_the_entry_once(tmp_path: Path) -> None:
    # Four processes at once, as recognition workers start: one builds, the others load.
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        loaded = pool.map(_from_cache, [str(tmp_path)] * 4)

    assert sorted(loaded) == [False, True, True, True]
    assert len(entries(tmp_path)) == 1


def test_a_damaged_entry_is_built_again(tmp_path: Path) -> None:
    cache = GrammarCache(tmp_path)
    cache.street_grammars(STREETS, ADDRESSES)
    (entry,) = entries(tmp_path)
    model = entry / "streets.lm.bin"
    model.write_bytes(model.read_bytes()[:100])  # cut short, as by a full disk

    rebuilt = GrammarCache(tmp_path).street_grammars(STREETS, ADDRESSES)
    again = GrammarCache(tmp_path).street_grammars(STREETS, ADDRESSES)

    assert not rebuilt.from_cache and again.from_cache
    assert (entry / "streets.lm.bin").stat().st_size > 100


def test_an_entry_without_its_manifest_is_not_trusted(tmp_path: Path) -> None:
    GrammarCache(tmp_path).street_grammars(STREETS, ADDRESSES)
    (entry,) = entries(tmp_path)
    (entry / "manifest.json").unlink()  # a copy interrupted before its last file

    assert not GrammarCache(tmp_path).street_grammars(STREETS, ADDRESSES).from_cache
    manifest = json.loads((entry / "manifest.json").read_text())
    assert set(manifest["files"]) == {"grammars.json", "streets.lm.bin", "street_names.lm.bin"}


def test_other_addresses_make_another_entry(tmp_path: Path) -> None:
    GrammarCache(tmp_path).street_grammars(STREETS, ADDRESSES)
    moved = [*ADDRESSES[:-1], (14, "Centre Street")]  # one house number changed by an import

    changed = GrammarCache(tmp_path).street_grammars(STREETS, moved)

    assert not changed.from_cache
    assert changed.streets.name != street_grammar(STREETS, ADDRESSES).name
    assert len(entries(tmp_path)) == 2


def test_an_engine_given_the_cached_model_hears_as_one_that_compiled_the_grammar(
    tmp_path: Path,
) -> None:
    from speech.pocketsphinx_engine import PocketSphinxEngine
    from tests.support.speech_audio import spoken_pcm

    cache = GrammarCache(tmp_path)
    cache.street_grammars(STREETS, ADDRESSES)
    cached = GrammarCache(tmp_path).street_grammars(STREETS, ADDRESSES)
    assert cached.from_cache and not cached.streets.examples  # the samples stay out
    seeded, compiling = PocketSphinxEngine(max_decoders=1), PocketSphinxEngine(max_decoders=1)
    cache.seed(seeded, cached.streets, cached)

    pcm = spoken_pcm("four thirty eight washington street", "flite:rms")
    heard = seeded.recognize(pcm, cached.streets)
    assert heard.text == "four thirty eight washington street"
    assert (
        heard.alternatives
        == compiling.recognize(pcm, street_grammar(STREETS, ADDRESSES)).alternatives
    )
