"""The rounds of the runtime's ``outbox`` loop, built from the settings.

- reports delivered to the city (``deliver_due``; with a city endpoint its expected date is
  asked after filing, the embedded endpoint's is read from its own table);
- batch tokens exchanged for the city's ids (``exchange_tokens``);
- with ``IVR_SMS_FROM``, the text messages whose request id is now known sent through Twilio
  (``send_due_texts``).

One thread runs them in turn (``Runtime.work``); a caller never waits on one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from ivr.followup.expectations import ExpectationWords
from ivr.followup.text_sender import TextContent, TwilioTexts, send_due_texts
from ivr.leases import Round
from ivr.outbox.claims import outbox_policy
from ivr.outbox.tokens import exchange_tokens
from ivr.outbox.worker import deliver_due
from ivr.settings import Settings

if TYPE_CHECKING:
    from flows.catalogue import Catalogue
    from ivr.open311.client import Open311Client


def outbox_rounds(
    settings: Settings,
    sessions: sessionmaker[Session],
    city: Open311Client,
    catalogues: Mapping[str, Catalogue],
    *,
    clock: Callable[[], datetime],
    twilio: Callable[[], Any],
) -> list[Round]:
    """The rounds, in the order one thread runs them; ``twilio`` makes the REST client (called
    only when the gateway sends texts)."""
    policy = outbox_policy(settings)
    read_expected = bool(settings.open311_endpoint)
    rounds: list[Round] = [
        lambda: (
            deliver_due(
                sessions, city, clock=clock, policy=policy, read_expected=read_expected
            ).done
        ),
        lambda: exchange_tokens(
            sessions,
            city,
            backoff=policy.backoff,
            clock=clock,
            max_checks=settings.outbox_token_checks,
        ),
    ]
    if settings.sms_from:
        send = TwilioTexts(twilio(), settings.sms_from)
        words = ExpectationWords.of(settings, catalogues)
        content = TextContent(catalogues, settings.status_link, settings.public_base_url, words)
        rounds.append(lambda: send_due_texts(sessions, send, content, clock=clock).done)
    return rounds
