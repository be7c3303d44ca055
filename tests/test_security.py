"""Security controls: headers, login throttling, lockout."""

from datetime import timedelta

from sqlalchemy import func, select

from models import AuditEvent, LoginAttempt, User

from .conftest import PASSWORD


def _token(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        headers={"Accept-Language": "en"},
    )


def test_security_headers_on_pages_and_api(client):
    for path in ("/login", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-eval" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags(client, make, login):
    response = login(make.user("bureau"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_five_failures_lock_the_account_even_for_the_right_password(client, make, db):
    user = make.user("bureau")
    for _ in range(5):
        assert _token(client, user.username, "wrong-password").status_code == 401
    locked = _token(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "locked" in locked.json["message"]
    db.expire_all()
    assert db.get(User, user.id).locked_until is not None
    lock = db.execute(select(AuditEvent).where(AuditEvent.action == "lock")).scalar_one()
    assert lock.entity_id == str(user.id)


def test_lock_expires(client, make, db):
    user = make.user("bureau")
    for _ in range(5):
        _token(client, user.username, "wrong-password")
    db.expire_all()
    row = db.get(User, user.id)
    row.locked_until = row.locked_until - timedelta(minutes=16)
    old = select(LoginAttempt).where(LoginAttempt.username == user.username)
    for attempt in db.execute(old).scalars():
        attempt.at = attempt.at - timedelta(minutes=16)
    db.commit()
    assert _token(client, user.username, PASSWORD).status_code == 200


def test_an_address_spraying_usernames_is_refused(client, make):
    user = make.user("bureau")
    for i in range(50):
        _token(client, f"nobody{i}", "guess-guess", ip="10.9.9.9")
    assert _token(client, user.username, PASSWORD, ip="10.9.9.9").status_code == 429
    assert _token(client, user.username, PASSWORD, ip="10.1.1.1").status_code == 200


def test_every_attempt_is_recorded(client, make, db):
    user = make.user("bureau")
    _token(client, user.username, "nope-nope-nope")
    _token(client, user.username, PASSWORD)
    outcomes = db.execute(select(LoginAttempt.succeeded).order_by(LoginAttempt.id)).scalars()
    assert list(outcomes) == [False, True]
    assert db.execute(select(func.count()).select_from(LoginAttempt)).scalar_one() == 2


def test_web_login_shows_the_lock_message(client, make, login):
    user = make.user("sme", enterprise=make.enterprise())
    for _ in range(5):
        login(user, password="wrong-password")
    client.get("/lang/en")
    response = login(user)
    assert response.status_code == 429
    assert "locked" in response.get_data(as_text=True)
