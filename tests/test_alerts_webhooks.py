"""Signed webhook events to a receiver on loopback: signature, retries, the delivery log."""

import hashlib
import hmac
import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from anlian.jobs import delivery
from anlian.services import alerts
from models import WebhookDelivery
from models.base import utcnow

SECRET = "s3cret-for-tests"


class Receiver:
    """An HTTP server on 127.0.0.1 answering each POST with the next status of a script."""

    def __init__(self, statuses):
        self.statuses, self.received = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), raw))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/anlian"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver_for():
    made = []

    def start(*statuses):
        made.append(Receiver(statuses))
        return made[-1]

    yield start
    for receiver in made:
        receiver.close()


def raise_alert(db, world, url, secret=SECRET):
    """Hook chain B to `url` and record an alert on `both` (a supplier of A and of B) and on
    `x` (A only); chain B's event must name `both` alone."""
    chain = world["chain_b"]
    chain.webhook_url, chain.webhook_secret = url, secret
    db.add(chain)
    db.commit()
    found = [
        alerts.Alert(world["both"].id, "2025-06", "closed", "B", "D", ("death",)),
        alerts.Alert(world["x"].id, "2025-06", "closed", "A", "C", ()),
    ]
    counts = alerts.dispatch(db, found, today=date(2025, 7, 1))
    db.commit()
    return counts


def deliveries(db) -> list[WebhookDelivery]:
    db.commit()
    db.expire_all()
    return list(db.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars())


def test_the_event_is_signed_and_the_receiver_verifies_it(app, db, world, receiver_for):
    receiver = receiver_for(200)
    assert raise_alert(db, world, receiver.url)["webhook_events"] == 1
    assert delivery.deliver_due(app) == {"delivered": 1}
    ((headers, raw),) = receiver.received
    expected = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Anlian-Signature"], f"sha256={expected}")
    event = json.loads(raw)
    assert event["type"] == headers["X-Anlian-Event"] == "score.alerts"
    assert event["id"] == headers["X-Anlian-Delivery"]
    assert event["chain_id"] == world["chain_b"].id
    assert [a["uscc"] for a in event["alerts"]] == [world["both"].uscc]  # never chain A's x
    assert event["alerts"][0] | {"name": ""} == {
        "uscc": world["both"].uscc,
        "name": "",
        "month": "2025-06",
        "kind": "closed",
        "from_grade": "B",
        "to_grade": "D",
        "vetoes": ["death"],
        "reasons": ["grade_down", "veto"],
    }
    (logged,) = deliveries(db)
    assert (logged.status, logged.attempts, logged.last_status_code) == ("delivered", 1, 200)
    assert logged.delivered_at is not None and delivery.deliver_due(app) == {}


def test_a_500_is_retried_with_back_off_and_the_same_signed_body(app, db, world, receiver_for):
    receiver = receiver_for(500, 200)
    raise_alert(db, world, receiver.url)
    start = utcnow()
    assert delivery.deliver_due(app, now=start) == {"pending": 1}
    (logged,) = deliveries(db)
    assert (logged.status, logged.attempts, logged.last_status_code) == ("pending", 1, 500)
    assert logged.last_error == "HTTP 500"
    assert delivery.deliver_due(app, now=start + timedelta(seconds=30)) == {}  # backing off
    assert delivery.deliver_due(app, now=start + timedelta(seconds=61)) == {"delivered": 1}
    (logged,) = deliveries(db)
    assert (logged.status, logged.attempts, logged.last_status_code) == ("delivered", 2, 200)
    (first_headers, first), (second_headers, second) = receiver.received
    assert (
        first == second
        and first_headers["X-Anlian-Signature"] == second_headers["X-Anlian-Signature"]
    )


def test_the_log_gives_up_after_the_last_attempt(app, db, world, receiver_for):
    attempts = app.extensions["scheduler_settings"].webhook_max_attempts
    receiver = receiver_for(*[503] * attempts)
    raise_alert(db, world, receiver.url)
    now = utcnow()
    for _ in range(attempts):
        delivery.deliver_due(app, now=now)
        now += timedelta(hours=7)
    (logged,) = deliveries(db)
    assert (logged.status, logged.attempts) == ("failed", attempts)
    assert len(receiver.received) == attempts and logged.next_attempt_at is None


def test_a_client_error_or_a_connection_refusal(app, db, world, receiver_for):
    receiver = receiver_for(404)
    raise_alert(db, world, receiver.url)
    assert delivery.deliver_due(app) == {"failed": 1}  # a 4xx will not fix itself
    closed = receiver_for()
    url = closed.url
    closed.close()
    world["chain_b"].webhook_url = url
    db.add(world["chain_b"])
    db.commit()
    alerts.dispatch(
        db,
        [alerts.Alert(world["both"].id, "2025-07", "closed", "A", "B", ())],
        today=date(2025, 8, 1),
    )
    db.commit()
    assert delivery.deliver_due(app) == {"pending": 1}
    assert "Connection refused" in deliveries(db)[-1].last_error


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x"])
def test_only_http_urls_are_ever_opened(app, db, world, url):
    raise_alert(db, world, url)
    assert delivery.deliver_due(app) == {"failed": 1}
    (logged,) = deliveries(db)
    assert logged.last_status_code is None and "http" in logged.last_error


def test_no_secret_no_send(app, db, world, receiver_for):
    receiver = receiver_for(200)
    raise_alert(db, world, receiver.url, secret=None)
    assert delivery.deliver_due(app) == {"failed": 1} and receiver.received == []


def test_a_chain_sets_its_webhook_and_gets_the_secret_once(client, world, token_for, db):
    from models import Chain

    chain = world["chain_a"]
    headers = token_for(world["chain_a_user"])
    bad = client.put(f"/api/v1/chains/{chain.id}/webhook", json={"url": "ftp://x"}, headers=headers)
    assert bad.status_code == 422 and "url" in bad.json["errors"]
    body = client.put(
        f"/api/v1/chains/{chain.id}/webhook",
        json={"url": "https://erp.example/anlian"},
        headers=headers,
    ).json
    assert len(body["secret"]) == 64
    db.rollback()
    db.expire_all()
    assert db.get(Chain, chain.id).webhook_secret == body["secret"]
    other = client.put(
        f"/api/v1/chains/{world['chain_b'].id}/webhook",
        json={"url": "https://erp.example/x"},
        headers=headers,
    )
    assert other.status_code == 404
    sme = token_for(world["sme_x_user"])
    assert (
        client.put(
            f"/api/v1/chains/{chain.id}/webhook", json={"url": "https://a.b/c"}, headers=sme
        ).status_code
        == 403
    )
    assert client.delete(f"/api/v1/chains/{chain.id}/webhook", headers=headers).status_code == 204
    db.rollback()
    db.expire_all()
    assert db.get(Chain, chain.id).webhook_url is None
