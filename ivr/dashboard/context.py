"""What the staff pages keep per process: the HTTP client that fetches recordings, the session
limits, the failed log-in counter and the locks of names that have no account. Built once by
``Runtime.staff``; views read it through ``current_runtime().staff``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from ivr.dashboard.login_throttle import AddressThrottle
from ivr.dashboard.staff_sessions import SessionLimits
from ivr.dashboard.unknown_names import UnknownNameLocks
from ivr.settings import Settings


@dataclass(frozen=True)
class StaffState:
    http: httpx.Client  # fetches recordings; follows no redirects (fetch_recording checks hosts)
    limits: SessionLimits
    throttle: AddressThrottle
    unknown_names: UnknownNameLocks

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], datetime]) -> StaffState:
        return cls(
            http=httpx.Client(timeout=settings.twilio_timeout, follow_redirects=False),
            limits=SessionLimits.from_settings(settings),
            throttle=AddressThrottle(clock),
            unknown_names=UnknownNameLocks(),
        )
