"""The outbox: reports committed with the call, delivered to the city by workers."""
