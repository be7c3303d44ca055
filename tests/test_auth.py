"""Logging in on the web and through the API."""

from datetime import timedelta

from sqlalchemy import update

from models import ApiToken
from models.base import utcnow

from .conftest import PASSWORD, csrf_token


def test_token_for_good_credentials(client, make):
    user = make.user("bureau")
    response = client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json["role"] == "bureau"
    assert response.json["token"] and response.json["expires_at"]


def test_bad_credentials_get_401(client, make):
    user = make.user("bureau")
    for body in (
        {"username": user.username, "password": "wrong-password"},
        {"username": "nobody", "password": PASSWORD},
    ):
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 401
        assert "token" not in response.json


def test_token_request_missing_fields_names_them(client):
    response = client.post("/api/v1/auth/token", json={"username": "x"})
    assert response.status_code == 422
    assert "password" in response.json["errors"]


def test_missing_wrong_expired_and_revoked_tokens_are_401(client, make, token_for, db):
    user = make.user("bureau")
    assert client.get("/api/v1/enterprises").status_code == 401
    bad = {"Authorization": "Bearer nonsense"}
    assert client.get("/api/v1/enterprises", headers=bad).status_code == 401
    headers = token_for(user)
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 200
    db.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 401
    headers = token_for(user)
    db.execute(update(ApiToken).values(revoked_at=utcnow()))
    db.commit()
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 401


def test_api_ignores_the_session_cookie(client, make, login):
    login(make.user("bureau"))
    assert client.get("/api/v1/enterprises").status_code == 401


def test_each_role_lands_on_its_page(app, world, login):
    for user, path in (
        (world["bureau_user"], "/bureau/"),
        (world["chain_a_user"], "/chain/"),
        (world["sme_x_user"], "/sme/"),
    ):
        client = app.test_client()
        response = login(user, client=client)
        assert response.status_code == 302 and response.location == path
        assert client.get(path).status_code == 200


def test_pages_need_login_and_the_right_role(client, world, login):
    assert client.get("/bureau/").status_code == 302
    login(world["sme_x_user"])
    assert client.get("/bureau/").status_code == 403
    assert client.get("/chain/").status_code == 403


def test_wrong_password_shows_the_form_again(client, world, login):
    response = login(world["bureau_user"], password="not-it-at-all")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True) or (
        "用户名或密码错误" in response.get_data(as_text=True)
    )


def test_logout_ends_copied_sessions_too(app, client, world, login):
    login(world["bureau_user"])
    browser = app.test_client()
    browser.set_cookie("session", client.get_cookie("session").value)
    assert browser.get("/bureau/").status_code == 200
    home = client.get("/bureau/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(home)})
    assert browser.get("/bureau/").status_code == 302


def test_language_switch(client, world, login):
    login(world["bureau_user"])
    assert "城市总览" in client.get("/bureau/").get_data(as_text=True)
    client.get("/lang/en")
    assert "City overview" in client.get("/bureau/").get_data(as_text=True)
