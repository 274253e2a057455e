"""The small parts of housekeeping: pacing a sweep, and deleting a recording at Twilio."""

from __future__ import annotations

from typing import Any

from twilio.base.exceptions import TwilioRestException

from ivr.housekeeping.pacing import Paced
from ivr.housekeeping.twilio_recordings import TwilioRecordingEraser, twilio_recording

ACCOUNT, RECORDING = "AC" + "1" * 32, "RE" + "2" * 32
TWILIO_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{RECORDING}"


def test_a_sweep_that_found_nothing_waits_its_period_and_one_that_did_goes_on() -> None:
    now, found = [0.0], [0]
    runs: list[float] = []

    def sweep() -> int:
        runs.append(now[0])
        return found[0]

    paced = Paced(sweep, 60.0, monotonic=lambda: now[0])
    paced()
    now[0] = 59.0
    assert paced() == 0 and runs == [0.0]
    now[0], found[0] = 60.0, 3
    assert paced() == 3
    assert paced() == 3  # a batch done: the next one at once
    assert runs == [0.0, 60.0, 60.0]


def test_only_a_twilio_recording_url_names_a_recording_to_delete_there() -> None:
    assert twilio_recording(TWILIO_URL) == (ACCOUNT, RECORDING)
    assert twilio_recording(f"https://api.dublin.ie1.twilio.com{TWILIO_URL[22:]}") is not None
    assert twilio_recording(TWILIO_URL.replace("https://", "http://")) is None
    assert twilio_recording(f"https://media.example.org{TWILIO_URL[22:]}") is None
    assert twilio_recording("http://127.0.0.1:8765/recordings/1") is None


class FakeTwilio:
    """Twilio's client as far as deleting a recording goes."""

    def __init__(self, status: int | None = None) -> None:
        self.status = status
        self.deleted: list[tuple[str, str]] = []
        self.api = self
        self.v2010 = self
        self._account = ""

    def accounts(self, account: str) -> FakeTwilio:
        self._account = account
        return self

    def recordings(self, sid: str) -> Any:
        fake = self

        class Recording:
            def delete(self) -> bool:
                if fake.status is not None:
                    raise TwilioRestException(fake.status, TWILIO_URL, "refused")
                fake.deleted.append((fake._account, sid))
                return True

        return Recording()


def test_a_recording_is_deleted_at_twilio_and_one_already_gone_counts_as_deleted() -> None:
    twilio = FakeTwilio()
    assert TwilioRecordingEraser(lambda: twilio)(TWILIO_URL)
    assert twilio.deleted == [(ACCOUNT, RECORDING)]
    assert TwilioRecordingEraser(lambda: FakeTwilio(status=404))(TWILIO_URL)


def test_a_refused_deletion_is_reported_and_a_url_elsewhere_asks_nothing_of_twilio() -> None:
    assert not TwilioRecordingEraser(lambda: FakeTwilio(status=401))(TWILIO_URL)

    def no_account() -> Any:
        raise AssertionError("Twilio is not asked about a recording it does not keep")

    assert TwilioRecordingEraser(no_account)("http://127.0.0.1:8765/recordings/1")
