"""Liveness and readiness: ``/healthz`` (the process answers) and ``/readyz`` (it can take a
call). docs/operations.md describes both.

- :mod:`ivr.health.views`: the two routes;
- :mod:`ivr.health.readiness`: the checks run together, cached, and their changes logged;
- :mod:`ivr.health.checks`: each check (the database, the gazetteer, the recognisers);
- :mod:`ivr.health.recognition_ready`: how a recognition worker tells the web processes that
  its models are loaded.
"""
