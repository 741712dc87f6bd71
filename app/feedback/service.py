"""The reporter answers a resolution: through the app (``POST /v1/complaints/{id}/feedback``) or
by replying on their channel ("YA" / "TIDAK", app.outbound.words). One answer per resolution;
a rejection reopens the complaint (resolved -> in_progress, within the reopen window) with its
history, in the same transaction. "BERHENTI"/"STOP" and "MULAI"/"START" switch messages to a
contact off and on again (``contact_optouts``, read by the dispatcher's expansion).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from app.complaints import history, lifecycle
from app.complaints import repository as complaints_repository
from app.complaints.deps import TransitionHooks
from app.core.errors import Conflict
from app.feedback import repository
from app.outbound import repository as outbound_repository

# The identities a BERHENTI/STOP switches off: those the dispatcher answers on.
CONTACT_KINDS = frozenset({"phone", "email", "twitter_id", "facebook_psid", "facebook_id", "instagram_id"})


class NotDone(Conflict):
    slug = "complaint-not-done"
    title = "The complaint is not resolved"


class AlreadyAnswered(Conflict):
    slug = "feedback-given"
    title = "This resolution has been answered already"


async def answer_resolution(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    *,
    rating: int | None,
    comment: str | None,
    accepted: bool | None,
    source: str,
    actor: str,
    hooks: TransitionHooks | None,
    now: datetime | None = None,
) -> tuple[asyncpg.Record, asyncpg.Record]:
    """Store the answer to the complaint's current resolution (``row`` locked by the caller);
    ``accepted is False`` reopens it. Answers (the feedback, the complaint as it is now).

    ``NotDone`` unless it is resolved; ``AlreadyAnswered`` for a second answer to the same
    resolution; ``InvalidTransition`` (409) for a rejection after the reopen window."""
    now = now or datetime.now(UTC)
    if row["status"] != lifecycle.ComplaintStatus.RESOLVED or row["resolved_at"] is None:
        raise NotDone(f"complaint {row['ticket']} is {row['status']}: feedback is for a resolved complaint")
    if accepted is False:  # refuse before storing anything
        lifecycle.check_transition(
            row["status"],
            lifecycle.ComplaintStatus.IN_PROGRESS,
            resolved_at=row["resolved_at"],
            now=now,
            role="app",
        )
    feedback = await repository.add_feedback(
        conn, row["id"], resolved_at=row["resolved_at"], rating=rating, comment=comment, accepted=accepted,
        source=source, actor=actor,
    )  # fmt: skip
    if feedback is None:
        raise AlreadyAnswered(f"complaint {row['ticket']}: this resolution has an answer already")
    await history.append(
        conn, row["id"], "feedback", actor, note=comment, public=False,
        data={"rating": rating, "accepted": accepted, "source": source},
    )  # fmt: skip
    updated = row
    if accepted is False:
        updated = await complaints_repository.set_status(
            conn, row["id"], status=lifecycle.ComplaintStatus.IN_PROGRESS, now=now, duplicate_of=None
        )
        await history.append(
            conn, row["id"], "reopened", actor,
            note=comment or "Pelapor menyatakan laporan belum selesai.", public=True,
            from_status=lifecycle.ComplaintStatus.RESOLVED, to_status=lifecycle.ComplaintStatus.IN_PROGRESS,
            data={"source": source},
        )  # fmt: skip
        if hooks is not None:
            updated = await hooks.after_transition(conn, updated) or updated
    return feedback, updated


def contacts(identities: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in identities if k in CONTACT_KINDS]


async def stop_messages(
    conn: asyncpg.Connection,
    identities: Sequence[tuple[str, str]],
    channel: str,
    complaint_id: uuid.UUID | None,
) -> None:
    """BERHENTI/STOP: no more messages to these contacts (any complaint)."""
    mine = contacts(identities)
    await outbound_repository.opt_out(conn, mine, channel)
    if complaint_id is not None:
        await history.append(
            conn, complaint_id, "opted_out", f"reporter:{channel}", data={"channel": channel}
        )


async def start_messages(
    conn: asyncpg.Connection,
    identities: Sequence[tuple[str, str]],
    channel: str,
    complaint_id: uuid.UUID | None,
) -> None:
    """MULAI/START: messages again."""
    await outbound_repository.opt_in(conn, contacts(identities))
    if complaint_id is not None:
        await history.append(conn, complaint_id, "opted_in", f"reporter:{channel}", data={"channel": channel})


def feedback_view(feedback: asyncpg.Record, complaint: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": feedback["id"],
        "complaint_id": feedback["complaint_id"],
        "rating": feedback["rating"],
        "comment": feedback["comment"],
        "accepted": feedback["accepted"],
        "created_at": feedback["created_at"],
        "status": complaint["status"],
        "version": complaint["version"],
    }
