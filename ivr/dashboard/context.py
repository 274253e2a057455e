"""What the staff pages share: the gateway's runtime, a clock, an HTTP client for fetching
recordings, the session limits and the failed log-in counter. Made once per app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from ivr.app import Runtime
from ivr.dashboard.guard import SessionLimits
from ivr.dashboard.login_throttle import AddressThrottle


@dataclass(frozen=True)
class Dashboard:
    rt: Runtime
    clock: Callable[[], datetime]
    http: httpx.Client
    limits: SessionLimits
    throttle: AddressThrottle
