"""Channel ``media``: public aspirations in mass media (``POST /v1/channels/media/clippings``).

Media-monitoring staff log a clipping (model ``MediaClipping``: outlet, url,
headline, excerpt, published_at, optional category, area_code, location) with
an officer API key.  The endpoint validates the JSON body with
``MediaClipping`` (422 problem+json on errors) and calls ``ADAPTER.parse``
with the validated dict in ``delivery.context["payload"]``; without it the
adapter validates ``delivery.body`` itself (re-parsing a stored delivery).

Mapping: external id = the clipping URL (logging the same article twice makes
one complaint); title = headline; description = excerpt; received_at =
published_at; reporter = the outlet (``name`` = outlet, ``handles["media"]`` =
the lower-cased outlet, so every clipping of one outlet shares one reporter;
no phone, no email); privacy ``public`` (the article is public already).
"""

from __future__ import annotations

from app.channels.schemas import MediaClipping, intake_payload, location_draft
from app.intake.drafts import AdapterError, ComplaintDraft, Delivery, Outcome, ReporterDraft

CHANNEL = "media"


class MediaAdapter:
    code = CHANNEL

    def parse(self, delivery: Delivery) -> list[Outcome]:
        try:
            clip: MediaClipping = intake_payload(delivery.context, delivery.body, MediaClipping)
        except ValueError as exc:
            raise AdapterError(f"media clipping invalid: {exc}") from exc
        metadata = {
            "outlet": clip.outlet,
            "url": clip.url,
            "headline": clip.headline,
            "published_at": clip.published_at.isoformat(),
        }
        logged_by = delivery.context.get("api_key_name")
        if logged_by:
            metadata["logged_by"] = str(logged_by)
        return [
            ComplaintDraft(
                channel=CHANNEL,
                external_id=clip.url,
                description=clip.excerpt,
                title=clip.headline,
                category=clip.category,
                metadata=metadata,
                location=location_draft(clip.location),
                area_code=clip.area_code,
                reporter=ReporterDraft(name=clip.outlet, handles={"media": clip.outlet.lower()}),
                privacy="public",
                received_at=clip.published_at,
            )
        ]


ADAPTER = MediaAdapter()
