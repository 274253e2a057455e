"""Housekeeping: the leased work that keeps the store honest and lean while nobody watches.

- :mod:`~ivr.housekeeping.stale_calls` ends calls whose status callback never came;
- :mod:`~ivr.housekeeping.retention` erases callers' personal data older than
  ``IVR_RETENTION_DAYS``;
- :mod:`~ivr.housekeeping.pacing` keeps each from looking more often than it needs to;
- :mod:`~ivr.housekeeping.rounds` builds the rounds the runtime's ``housekeeping`` loop runs.
"""
