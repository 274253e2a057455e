"""Prometheus metrics of the gateway (docs/operations.md lists every one).

- :mod:`ivr.metrics.instruments`: the counters and histograms, and the one-line observations
  the gateway's code makes (a call ended, a report filed, a city answer, a recognition);
- :mod:`ivr.metrics.webhook_timing`: each Twilio webhook's latency, by the kind of step;
- :mod:`ivr.metrics.store_collector`: jobs and outbox rows by state and age, read from the
  database when scraped;
- :mod:`ivr.metrics.exposition`: the ``/metrics`` view (one process, or every process of
  ``ivr serve`` in prometheus-client's multiprocess mode);
- :mod:`ivr.metrics.multiprocess`: the directory those processes share.
"""
