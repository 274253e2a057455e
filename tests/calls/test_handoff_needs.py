"""A handoff that would file a report without its service or its place is refused on the
agent's screen, before Twilio is asked to move the caller (the city would refuse the report
after the caller heard it was received)."""

from __future__ import annotations

import pytest

from ivr.handoff.desk import HandoffError
from ivr.simulator import Hold, Press, QueueOutcome, Silence
from tests.calls.test_handoff_calls import Line, line

__all__ = ["line"]  # the staffed gateway of the handoff calls, as this module's fixture


def test_staff_cannot_send_a_caller_to_filing_without_a_service_or_a_place(line: Line) -> None:
    # The caller pressed 0 at the first menu: no service, no place. Filing from the read-back
    # would send the city a report it refuses, after the caller heard "received".
    sid, results = line.call_in_background([Silence(), Press("0"), QueueOutcome(), Hold(5)])
    assert line.live.wait_until_holding(sid, 30)
    updates = len(line.twilio.call_updates())
    with pytest.raises(HandoffError, match="needs the caller's service"):
        line.handoffs.send_live(sid, "confirm_report", {}, "agent ann")
    with pytest.raises(HandoffError, match=r"needs the caller.s place.*address step first"):
        line.handoffs.send_live(sid, "confirm_report", {"service_code": "25"}, "agent ann")
    assert len(line.twilio.call_updates()) == updates  # Twilio was not asked to move the call
    line.finish()
    (result,) = results
    assert not any(text.startswith("To send your report") for text in result.transcript.heard())

    with pytest.raises(HandoffError, match="a code starts a new call without one"):
        line.handoffs.new_code("confirm_report", {"service_code": "25"}, "agent ann")
    with pytest.raises(HandoffError, match="a code starts a new call without one"):
        line.handoffs.new_code("ask_description", {"service_code": "25"}, "agent ann")
    with pytest.raises(HandoffError, match="needs the caller's service"):
        line.handoffs.new_code("ask_location", {"language": "es"}, "agent ann")
    # The parts that come back to staff before the filing need nothing the call lacks.
    assert line.handoffs.new_code("main_menu", {}, "agent ann").isdigit()
