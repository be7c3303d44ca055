"""Signed webhook events to chain leaders, with retries; `webhook_delivery` is the log.

An event is queued in the same transaction as the alert that caused it (an outbox), and sent
later outside any transaction. The body is the compact JSON of the stored payload, signed
with HMAC-SHA256 under the chain's secret: `X-Anlian-Signature: sha256=<hex>`. Only http(s)
URLs are opened, proxies and redirects are not followed, and nothing but the standard
library is used.
"""

import hashlib
import hmac
import http.client
import json
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update

from models import Chain, WebhookDelivery

EVENT_TYPE = "score.alerts"
SIGNATURE_HEADER = "X-Anlian-Signature"
MAX_BACKOFF = timedelta(hours=6)
# No ProxyHandler, no redirect or error processing: the answer is whatever the URL says.
_OPENER = urllib.request.OpenerDirector()
for _handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler()):
    _OPENER.add_handler(_handler)


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: an HTTP status, or an error; and whether to try again."""

    status_code: int | None
    error: str | None
    retry: bool


def enqueue(session, described: dict[int, dict], links, *, now: datetime) -> int:
    """One pending event per chain with a webhook, listing only its own suppliers' alerts."""
    items: dict[int, list[dict]] = {}
    for enterprise_id, chain_id in links:
        items.setdefault(chain_id, []).append(described[enterprise_id])
    if not items:
        return 0
    hooked = session.execute(
        select(Chain.id).where(Chain.id.in_(sorted(items)), Chain.webhook_url.is_not(None))
    ).scalars()
    count = 0
    for chain_id in hooked:
        event_id = str(uuid.uuid4())
        payload = {
            "id": event_id,
            "type": EVENT_TYPE,
            "created_at": now.isoformat(),
            "chain_id": chain_id,
            "alerts": items[chain_id],
        }
        session.add(
            WebhookDelivery(
                chain_id=chain_id,
                event_id=event_id,
                event_type=EVENT_TYPE,
                payload=payload,
                next_attempt_at=now,
            )
        )
        count += 1
    session.flush()
    return count


def body(payload: dict) -> bytes:
    """The exact bytes sent and signed (the same on every retry)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, raw: bytes) -> str:
    """The signature header value: sha256=<hex HMAC of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def claim_due(session, *, now: datetime, lease_seconds: int, limit: int = 50) -> list[dict]:
    """Pending deliveries that are due, leased to this sender (other senders skip them)."""
    rows = session.execute(
        select(WebhookDelivery, Chain.webhook_url, Chain.webhook_secret)
        .join(Chain, Chain.id == WebhookDelivery.chain_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
    ).all()
    if rows:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_([row[0].id for row in rows]))
            .values(next_attempt_at=now + timedelta(seconds=lease_seconds))
        )
    return [
        {
            "id": d.id,
            "event_id": d.event_id,
            "event_type": d.event_type,
            "payload": d.payload,
            "url": url,
            "secret": secret,
        }
        for d, url, secret in rows
    ]


def send(delivery: dict, *, timeout: float) -> Outcome:
    """POST the signed event once."""
    url, secret = delivery["url"], delivery["secret"]
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return Outcome(None, "the webhook URL must start with http:// or https://", retry=False)
    if not secret:
        return Outcome(None, "the chain has no webhook secret to sign with", retry=False)
    raw = body(delivery["payload"])
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Anlian-Webhook/1",
        "X-Anlian-Event": delivery["event_type"],
        "X-Anlian-Delivery": delivery["event_id"],
        SIGNATURE_HEADER: sign(secret, raw),
    }
    request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            status = response.status
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Outcome(None, f"{type(error).__name__}: {error}"[:500], retry=True)
    if 200 <= status < 300:
        return Outcome(status, None, retry=False)
    # A client error will not fix itself, except "timeout" and "slow down".
    return Outcome(status, f"HTTP {status}", retry=status >= 500 or status in (408, 429))


def record(
    session,
    delivery_id: int,
    outcome: Outcome,
    *,
    now: datetime,
    max_attempts: int,
    backoff_seconds: int,
) -> str:
    """Log one attempt; schedule the next with doubling back-off, or give up. Returns the
    delivery's new status."""
    delivery = session.get(WebhookDelivery, delivery_id)
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
    if outcome.error is None:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    elif not outcome.retry or delivery.attempts >= max_attempts:
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        wait = timedelta(seconds=backoff_seconds * 2 ** (delivery.attempts - 1))
        delivery.next_attempt_at = now + min(wait, MAX_BACKOFF)
    session.flush()
    return delivery.status
