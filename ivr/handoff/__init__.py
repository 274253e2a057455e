"""Staff and the machine hand callers to each other: the whisper, live handoffs, handoff codes."""
