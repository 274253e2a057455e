"""Deleting a caller's recording where Twilio keeps it, once it is past the retention limit.

A recording's URL names its account and its SID (``…/Accounts/AC…/Recordings/RE…``). Only a
URL on one of Twilio's own API hosts is deleted through the REST API; any other URL (a test's
media server) has nothing at Twilio to delete. A recording already gone (404) counts as
deleted. The REST client is made once, when the first recording needs it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from twilio.base.exceptions import TwilioRestException

log = logging.getLogger(__name__)

_TWILIO_HOST = re.compile(r"^api(\.[a-z0-9-]+)*\.twilio\.com$")
_RECORDING = re.compile(r"/Accounts/(AC[0-9a-fA-F]{32})/Recordings/(RE[0-9a-fA-F]{32})")


def twilio_recording(url: str) -> tuple[str, str] | None:
    """(account SID, recording SID) of a recording kept by Twilio; None for any other URL."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    found = _RECORDING.search(parts.path)
    if parts.scheme != "https" or not _TWILIO_HOST.match(host) or found is None:
        return None
    return found.group(1), found.group(2)


class TwilioRecordingEraser:
    """Deletes recordings at Twilio with the client ``make_client`` returns."""

    def __init__(self, make_client: Callable[[], Any]) -> None:
        self._make_client = make_client
        self._client: Any = None

    def __call__(self, url: str) -> bool:
        recording = twilio_recording(url)
        if recording is None:
            return True  # not kept by Twilio: forgetting the URL is all there is to do
        account, sid = recording
        try:
            if self._client is None:
                self._client = self._make_client()
            self._client.api.v2010.accounts(account).recordings(sid).delete()
        except TwilioRestException as refused:
            if refused.status == 404:
                return True
            log.warning("Twilio refused to delete a recording", extra={"status": refused.status})
            return False
        except Exception as error:  # the network, or no account: tried again never, counted
            log.warning("a recording could not be deleted at Twilio: %s", type(error).__name__)
            return False
        return True
