"""The outcome a lookup behaviour returns while a job it needs is still running."""

WAIT = "wait"
