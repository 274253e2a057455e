"""The handoff desk: what the staff dashboard calls to send a caller into the machine.

- :meth:`HandoffDesk.send_live` stores a handoff for a call in progress and asks Twilio (REST
  call update) to redirect the call to ``/twilio/voice/handoff/<token>``; that webhook resumes
  the call at the chosen step with what the agent filled in. When the part is done (e.g. the
  address confirmed) the caller goes back to staff, and the result is in the call's state.
- :meth:`HandoffDesk.new_code` stores a six-digit code, valid once for
  ``IVR_HANDOFF_CODE_MINUTES``, that a caller keys in on the handoff number.
- :meth:`HandoffDesk.targets` lists the steps staff may send a caller to, with labels.

Every refusal is a :class:`HandoffError` whose message is fit for an agent's screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from ivr.clock import utc_now
from ivr.dialog.state import PLACE_UNCONFIRMED, CallState
from ivr.handoff.book import CODE, LIVE, HandoffBook, expiry
from ivr.handoff.parts import (
    PLACE,
    SERVICE,
    Part,
    PrefillError,
    checked_prefill,
    part_at,
    parts_of,
)
from ivr.settings import Settings, env_name
from ivr.twilio_rest import TwilioNotConfigured
from ivr.webhooks.calls import CallDesk

log = logging.getLogger(__name__)

HANDOFF_PATH = "/twilio/voice/handoff"
MAX_AGENT = 120


class HandoffError(Exception):
    """A handoff cannot be made; the message says why, in words for an agent's screen."""


class HandoffDesk:
    def __init__(
        self,
        settings: Settings,
        calls: CallDesk,
        book: HandoffBook,
        twilio: Callable[[], Client],
        *,
        languages: tuple[str, ...],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._settings = settings
        self._calls = calls
        self._book = book
        self._twilio = twilio
        self._languages = languages
        self._clock = clock

    @property
    def book(self) -> HandoffBook:
        return self._book

    def targets(self) -> list[tuple[str, str]]:
        """(state, label) of every step staff may send a caller to."""
        return [(part.state, part.label) for part in parts_of(self._calls.flow)]

    def send_live(
        self, call_sid: str, target_state: str, prefill: Mapping[str, str], agent: str
    ) -> None:
        """Send the caller on ``call_sid`` to ``target_state`` now; back to staff when done."""
        part = self._part(target_state)
        data = self._prefill(prefill)
        agent = _agent(agent)
        state = self._calls.state(call_sid)
        if state is None or state.ended:
            raise HandoffError("That call is not in progress any more.")
        if not part.return_at:  # the caller goes on to the filing from this part
            _check_needs(part, data.get("service_code") or state.service_code, _placed(state))
        base = self._settings.public_base_url.rstrip("/")
        if not base:
            raise HandoffError(
                f"Live handoffs are not set up: {env_name('public_base_url')} must be set "
                "(Twilio needs the gateway's public address)."
            )
        try:
            client = self._twilio()
        except TwilioNotConfigured as error:
            raise HandoffError(f"Live handoffs are not set up: {error}.") from None
        now = self._clock()
        handoff = self._book.add(
            kind=LIVE,
            target=part.state,
            prefill=data,
            return_at=part.return_at,
            agent=agent,
            now=now,
            expires_at=expiry(now, self._settings.handoff_code_minutes),
            call_sid=call_sid,
        )
        url = f"{base}{HANDOFF_PATH}/{handoff.token}"
        try:
            client.calls(call_sid).update(url=url, method="POST")
        except TwilioRestException as error:
            self._book.forget(handoff.token)
            log.info("Twilio refused a live handoff", extra={"code": error.code})
            raise HandoffError(_refusal(error)) from None
        except TwilioException:
            self._book.forget(handoff.token)
            log.warning("Twilio could not be reached for a live handoff")
            raise HandoffError(
                "Twilio could not be reached; the caller stays where they are. Try again."
            ) from None
        log.info("live handoff sent", extra={"target": part.state, "agent": agent})

    def new_code(
        self,
        target_state: str,
        prefill: Mapping[str, str],
        agent: str,
        *,
        origin_call: str = "",
    ) -> str:
        """A six-digit code for a caller to key in on the handoff number; the flow then starts
        at ``target_state`` with ``prefill`` and runs to its end (the report is filed).
        ``origin_call``: the agent's call with this caller, when known, to link the two."""
        part = self._part(target_state)
        data = self._prefill(prefill)
        _check_needs(part, data.get("service_code"), placed=False, code=True)
        now = self._clock()
        handoff = self._book.add(
            kind=CODE,
            target=part.state,
            prefill=data,
            return_at=(),
            agent=_agent(agent),
            now=now,
            expires_at=expiry(now, self._settings.handoff_code_minutes),
            origin_call=origin_call[:64],
        )
        return self._book.code_of(handoff.token)

    def _part(self, target_state: str) -> Part:
        part = part_at(self._calls.flow, target_state)
        if part is None:
            raise HandoffError(f"{target_state[:60]!r} is not a step staff can send a caller to.")
        return part

    def _prefill(self, prefill: Mapping[str, str]) -> dict[str, object]:
        try:
            return checked_prefill(self._calls.flow, self._languages, prefill)
        except PrefillError as error:
            raise HandoffError(f"What was filled in cannot be used: {error}.") from None


def _placed(state: CallState) -> bool:
    """The call has a place a report can be filed with (found, or kept as not confirmed)."""
    location = state.location
    return location is not None and location.outcome in ("done", PLACE_UNCONFIRMED)


def _check_needs(part: Part, service: object, placed: bool, *, code: bool = False) -> None:
    """Refuse a part that would file a report without its service or place: the city refuses
    such a report after the caller was told it was received."""
    if SERVICE in part.needs and not service:
        first = "give a code for" if code else "send the caller to"
        raise HandoffError(
            f"{part.label} needs the caller's service, and this call has none yet: "
            f"{first} the whole report instead."
        )
    if PLACE in part.needs and not placed:
        if code:
            raise HandoffError(
                f"{part.label} needs the caller's place, and a code starts a new call without "
                "one: give a code for the address step or the whole report instead."
            )
        raise HandoffError(
            f"{part.label} needs the caller's place, and this call has none yet: "
            "send the caller to the address step first."
        )


def _agent(agent: str) -> str:
    agent = agent.strip()
    if not agent or len(agent) > MAX_AGENT:
        raise HandoffError("The agent's name is missing or too long.")
    return agent


def _refusal(error: TwilioRestException) -> str:
    if error.code == 21220:
        return "Twilio says the call is no longer in progress; it cannot be moved."
    if error.code == 20404:
        return "Twilio does not know this call (it has ended, or is on another account)."
    if error.status in (401, 403):
        return "Twilio refused the gateway's credentials; ask an administrator."
    return f"Twilio refused to move the call (error {error.code or error.status})."
