"""The recording notice: a caller hears that the call is recorded and transcribed, in the
language they chose, before anything is recorded; with IVR_RECORDING_NOTICE off, not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.simulator import HangUp, Press, Silence
from ivr.store.db import upgrade
from tests.calls.phone import running_gateway

NOTICE = "This call is recorded and transcribed to file your report."
AVISO = "Esta llamada se graba y se transcribe para registrar su reporte."
WELCOME = "Welcome to the 311 line. You can press a key or say your answer."
FIRST_MENU = "What is the problem about?"


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store with no address points: these calls end before anyone says a place."""
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    upgrade(url)
    return url


@pytest.mark.parametrize("flow", ["intake", "bike_rack"])
def test_a_caller_hears_the_notice_after_the_welcome_by_default(store: str, flow: str) -> None:
    with running_gateway(store, flow=flow) as gateway:
        heard = gateway.call([Silence(), HangUp()]).transcript.heard()

    assert heard.count(NOTICE) == 1
    notice = heard.index(NOTICE)
    assert "Para español, oprima nueve." in heard[:notice]  # after the language offer
    if flow == "intake":
        assert heard[0] == WELCOME and heard[notice + 1] == FIRST_MENU


def test_a_caller_who_chose_spanish_hears_the_notice_in_spanish(store: str) -> None:
    with running_gateway(store) as gateway:
        heard = gateway.call([Press("9"), HangUp()]).transcript.heard()

    assert AVISO in heard and NOTICE not in heard


def test_with_the_notice_off_the_caller_goes_straight_to_the_menu(store: str) -> None:
    with running_gateway(store, recording_notice=False) as gateway:
        heard = gateway.call([Silence(), HangUp()]).transcript.heard()

    assert NOTICE not in heard and AVISO not in heard
    assert heard[0] == WELCOME
    assert FIRST_MENU in heard
