"""The table of handoffs: staff sending a caller into a part of a flow.

A *live* handoff redirects a call in progress to ``/twilio/voice/handoff/<token>``; a *code*
handoff is a six-digit ``code`` an agent reads to a caller, keyed in on the handoff number.
Each is used once (``used_at``) and expires (``expires_at``). ``prefill`` holds what the agent
already filled in (a service, a language, answers): it may be personal data and is never logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ivr.store.base import Base


class HandoffRecord(Base):
    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # live, code
    code: Mapped[str | None] = mapped_column(String(6), nullable=True, index=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    origin_call_sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    target_state: Mapped[str] = mapped_column(String(120))
    prefill: Mapped[dict[str, Any]] = mapped_column(JSON)
    return_at: Mapped[list[str]] = mapped_column(JSON)
    agent: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))  # waiting, used, refused
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
