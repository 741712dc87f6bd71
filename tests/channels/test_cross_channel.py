"""One reporter across channels; personal data in free text flagged and masked publicly."""

from __future__ import annotations

import hashlib
import hmac
import json

from tests.conftest import CHANNEL_SECRETS


def _hex_sig(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def _post_json(client, path: str, payload: dict, header: str, secret_env: str):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    headers = {"content-type": "application/json", header: _hex_sig(CHANNEL_SECRETS[secret_env], body)}
    return await client.post(path, content=body, headers=headers)


def _sms(msg_id: str, text: str) -> dict:
    return {
        "id": msg_id,
        "msisdn": "6281311110000",
        "to": "08111272206",
        "operator": "INDOSAT",
        "text": text,
        "encoding": "GSM7",
        "received_at": "2026-03-01 10:12:40",
    }


def _whatsapp(wamid: str, text: str) -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "628111272206",
                                "phone_number_id": "106540352242922",
                            },
                            "contacts": [{"profile": {"name": "Andi"}, "wa_id": "6281311110000"}],
                            "messages": [
                                {
                                    "from": "6281311110000",
                                    "id": wamid,
                                    "timestamp": "1772334760",
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def _lapor(event_id: str, tracking_id: str, text: str) -> dict:
    return {
        "event_id": event_id,
        "event": "laporan.didisposisikan",
        "tracking_id": tracking_id,
        "judul": "Lampu jalan mati",
        "isi": text,
        "klasifikasi": "pengaduan",
        "kategori": {"id": "12", "parent": "1", "topic_name": "Penerangan Jalan"},
        "sumber": "web",
        "tanggal_laporan": "2026-03-01T09:00:00+07:00",
        "tanggal_disposisi": "2026-03-01T11:30:00+07:00",
        "instansi_tujuan": {"id": "3100", "nama": "Pemerintah Provinsi DKI Jakarta"},
        "lokasi": None,
        "rahasia": False,
        "anonim": False,
        "pelapor": {"nama": "Andi", "telepon": "081311110000", "email": None},
        "lampiran": [],
        "status": "Didisposisikan",
    }


async def test_same_phone_on_sms_whatsapp_and_lapor_is_one_reporter(client, db):
    r1 = await _post_json(
        client,
        "/v1/channels/sms/inbound",
        _sms("MO-1", "Lampu PJU mati di Jl. Cikini Raya"),
        "x-signature",
        "ADUAN_SMS_GATEWAY_SECRET",
    )
    r2 = await _post_json(
        client,
        "/v1/channels/whatsapp/webhook",
        _whatsapp("wamid.A1", "Got mampet di Tebet"),
        "x-hub-signature-256",
        "ADUAN_WHATSAPP_APP_SECRET",
    )
    r3 = await _post_json(
        client,
        "/v1/channels/lapor/webhook",
        _lapor("evt-1", "6120034", "Lampu jalan di Menteng mati"),
        "x-lapor-signature",
        "ADUAN_LAPOR_SECRET",
    )
    assert [r.status_code for r in (r1, r2, r3)] == [201, 201, 201], [r.text for r in (r1, r2, r3)]
    assert await db.fetchval("SELECT count(*) FROM complaints") == 3
    assert await db.fetchval("SELECT count(DISTINCT reporter_id) FROM complaints") == 1
    assert await db.fetchval("SELECT phone FROM reporters") == "+6281311110000"


async def test_personal_data_in_text_is_flagged_and_masked_publicly(client, officer):
    text = "Jalan rusak depan rumah saya, NIK saya 3171014708900003, telepon 0812-9876-5432 kalau perlu."
    r = await _post_json(
        client, "/v1/channels/sms/inbound", _sms("MO-2", text), "x-signature", "ADUAN_SMS_GATEWAY_SECRET"
    )
    assert r.status_code == 201, r.text
    outcome = r.json()["outcomes"][0]
    full = (await client.get(f"/v1/complaints/{outcome['complaint_id']}", headers=officer)).json()
    assert "contains_pii" in full["flags"] and set(full["pii"]) == {"nik", "phone"}
    assert "3171014708900003" in full["description"]  # officers see the original
    public = await client.get(f"/v1/track/{outcome['ticket']}")
    assert public.status_code == 200
    for value in ("3171014708900003", "0812-9876-5432", "081298765432", "6281311110000"):
        assert value not in public.text
    assert "Jalan rusak depan rumah saya" in public.json()["description"]
