"""Whole simulated calls of a Spanish-speaking caller: what they hear from the welcome to the
goodbye, including the ways into Spanish and the paths where the call goes wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.simulator import Press, Silence, Speak
from ivr.simulator.script import Step
from tests.calls.phone import Gateway, prepared_store, running_gateway
from tests.calls.test_whole_calls import published, reference_heard

PERSON_HINT = "Para hablar con una persona, oprima 0 en cualquier momento."
SPANISH_MENU = "¿De qué se trata el problema?"
RECORDING_NOTICE = "Esta llamada se graba y se transcribe para registrar su reporte."
POTHOLE_AT_438 = [Press("2"), Press("2"), Press("1"), Press("*"), Press("*")]
POTHOLE_AT_438 += [Speak("no sé"), Press("438#"), Speak("washington street"), Press("1")]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    folder: Path = tmp_path_factory.mktemp("spanish-calls")
    with running_gateway(prepared_store(f"sqlite:///{folder / 'voice311.db'}")) as live:
        yield live


def test_a_caller_who_presses_nine_hears_the_welcome_and_the_way_to_a_person_in_spanish(
    gateway: Gateway,
) -> None:
    result = gateway.call([Press("9")])

    heard = result.transcript.heard()
    chose = heard.index("Para español, oprima nueve.")
    assert heard[chose + 1 : chose + 4] == [
        "Bienvenido a la línea 311. Puede oprimir una tecla o decir su respuesta.",
        PERSON_HINT,
        RECORDING_NOTICE,
    ]
    assert heard[chose + 4] == SPANISH_MENU


def test_a_caller_who_says_espanol_at_the_first_menu_goes_on_in_spanish(
    gateway: Gateway,
) -> None:
    script: list[Step] = [Silence(), Speak("español"), *POTHOLE_AT_438]
    result = gateway.call([*script, Speak("un bache grande"), Press("1")])

    heard = result.transcript.heard()
    assert "Sorry, I didn't catch that." not in heard
    assert heard.count("What is the problem about?") == 1
    switched = heard.index(PERSON_HINT)  # said right after "español", then the notice
    assert heard[switched + 1 : switched + 3] == [RECORDING_NOTICE, SPANISH_MENU]
    assert "Gracias. Su reporte fue recibido." in heard
    assert heard[-1] == "Gracias por llamar. Adiós."
    assert published(gateway, reference_heard(heard))["service_code"] == "21"
