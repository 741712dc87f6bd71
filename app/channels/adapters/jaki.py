"""Channel ``jaki``: the JAKI citizen app (``POST /v1/channels/jaki/reports``, app API key).

Two request shapes carry the same fields (model ``JakiReport``): JSON, or
``multipart/form-data`` with the fields as form fields (``jaki_form_to_payload``
maps flat ``lat``/``lon``/``reporter_name``... fields) plus 1-5 ``photos``.
The endpoint validates the fields with ``JakiReport`` and the photo count
with ``validate_photo_count`` (422 problem+json on errors), stores the photos
(``delivery.files``), and calls ``ADAPTER.parse`` with the validated dict in
``delivery.context["payload"]``; without it the adapter validates the stored
form or JSON body itself.

Mapping: ``client_report_id`` (the app's own id, stable across retries) is the
external id; the GPS fix (required) is the location; photos are the
attachments; ``submitted_at`` is ``received_at``.
"""

from __future__ import annotations

from app.channels.schemas import (
    JakiReport,
    PhotoCountError,
    intake_payload,
    jaki_form_to_payload,
    location_draft,
    reporter_draft,
    validate_photo_count,
)
from app.intake.drafts import AdapterError, ComplaintDraft, Delivery, Outcome

CHANNEL = "jaki"


class JakiAdapter:
    code = CHANNEL

    def parse(self, delivery: Delivery) -> list[Outcome]:
        multipart = (delivery.content_type or "").lower().startswith("multipart/")
        context = delivery.context
        try:
            if "payload" not in context and delivery.form:
                context = {**context, "payload": jaki_form_to_payload(delivery.form)}
            report: JakiReport = intake_payload(context, delivery.body, JakiReport)
            validate_photo_count(len(delivery.files), multipart=multipart)
        except PhotoCountError as exc:
            raise AdapterError(f"jaki report: {exc}") from exc
        except ValueError as exc:
            raise AdapterError(f"jaki report invalid: {exc}") from exc
        metadata = {"client_report_id": report.client_report_id, "app": context.get("api_key_name")}
        return [
            ComplaintDraft(
                channel=CHANNEL,
                external_id=report.client_report_id,
                description=report.description,
                title=report.title,
                category=report.category,
                attachments=list(delivery.files),
                metadata={k: v for k, v in metadata.items() if v is not None},
                location=location_draft(report.location),
                reporter=reporter_draft(report.reporter),
                privacy=report.privacy,
                received_at=report.submitted_at,
            )
        ]


ADAPTER = JakiAdapter()
