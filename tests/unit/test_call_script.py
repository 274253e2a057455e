"""Caller scripts read from YAML or Python lists, with mistakes named by step and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.simulator.script import (
    AnswerDial,
    HangUp,
    Press,
    QueueOutcome,
    Script,
    ScriptError,
    Silence,
    Speak,
    SpeakAudio,
    as_script,
    load_script,
    parse_script,
)


def test_a_yaml_script_reads_every_kind_of_step(tmp_path: Path) -> None:
    script_file = tmp_path / "pothole.yaml"
    script_file.write_text(
        """
from: "+16175550199"
steps:
  - press: "1"
  - press: 1234#
  - say: twelve thirty four washington street
    confidence: 0.8
  - silence
  - audio: audio/pothole.wav
    words: a big pothole
    then: "#"
  - dial: no-answer
  - queue: bridged
    wait: 30
  - hangup
""",
        encoding="utf-8",
    )
    script = load_script(script_file)
    assert script.caller == "+16175550199"
    assert script.steps == (
        Press("1"),
        Press("1234#"),
        Speak("twelve thirty four washington street", 0.8),
        Silence(),
        SpeakAudio(tmp_path / "audio" / "pothole.wav", "a big pothole", 0.9, "#"),
        AnswerDial("no-answer", 0),
        QueueOutcome("bridged", 30),
        HangUp(),
    )


def test_a_python_list_may_mix_step_objects_and_yaml_forms() -> None:
    assert as_script([Press("2"), "silence", {"say": "graffiti"}]) == Script(
        steps=(Press("2"), Silence(), Speak("graffiti"))
    )


@pytest.mark.parametrize(
    ("steps", "named"),
    [
        ([{"press": "1a"}], r"steps\[0\]\.press"),
        ([{"press": ""}], r"steps\[0\]\.press"),
        (["silence", {"say": "x", "confidence": 1.5}], r"steps\[1\]\.confidence"),
        ([{"say": "  "}], r"steps\[0\]\.say"),
        ([{"dial": "maybe"}], r"steps\[0\]\.dial"),
        ([{"dial": "busy", "duration": -3}], r"steps\[0\]\.duration"),
        ([{"queue": "bridged", "wait": "long"}], r"steps\[0\]\.wait"),
        ([{"press": "1", "say": "one"}], r"steps\[0\] needs exactly one"),
        ([{"press": "1", "loud": True}], r"steps\[0\]\.loud"),
        ([{"audio": "a.wav", "then": "x"}], r"steps\[0\]\.then"),
        (["shout"], r"steps\[0\]"),
    ],
)
def test_a_bad_step_is_named(steps: list[object], named: str) -> None:
    with pytest.raises(ScriptError, match=named):
        parse_script({"steps": steps})


def test_a_script_must_hold_a_list_of_steps() -> None:
    with pytest.raises(ScriptError, match="steps must be a list"):
        parse_script({"steps": "press 1"})
    with pytest.raises(ScriptError, match="unknown script field 'caller'"):
        parse_script({"caller": "+1", "steps": []})


def test_unreadable_yaml_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("steps: [press: 1\n", encoding="utf-8")
    with pytest.raises(ScriptError, match=r"broken\.yaml"):
        load_script(broken)


def test_what_the_caller_says_stays_out_of_reprs() -> None:
    step = Speak("my address is 12 elm street")
    assert "elm" not in repr(step)
    assert "elm" not in repr(parse_script({"steps": [{"say": "12 elm street"}]}))


def test_a_script_that_is_not_text_is_named(tmp_path: Path) -> None:
    path = tmp_path / "call.yaml"
    path.write_bytes(b"steps:\n  - press: \xf0\x28\x8c\x28\n")
    with pytest.raises(ScriptError, match=r"call\.yaml: cannot read the script: not UTF-8 text"):
        load_script(path)
