"""Account changes end access: disable, token revocation, password change."""

from sqlalchemy import select

from models import AuditEvent

from .conftest import PASSWORD


def test_bureau_disables_an_account_and_its_tokens_and_sessions_stop(
    app, client, world, token_for, login
):
    sme = world["sme_x_user"]
    sme_headers = token_for(sme)
    browser = app.test_client()
    login(sme, client=browser)
    assert browser.get("/sme/").status_code == 200
    bureau = token_for(world["bureau_user"])
    assert client.post(f"/api/v1/users/{sme.username}/disable", headers=bureau).status_code == 204
    assert client.get("/api/v1/enterprises", headers=sme_headers).status_code == 401
    assert browser.get("/sme/").status_code == 302
    again = client.post("/api/v1/auth/token", json={"username": sme.username, "password": PASSWORD})
    assert again.status_code == 401
    assert client.post(f"/api/v1/users/{sme.username}/enable", headers=bureau).status_code == 204
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": sme.username, "password": PASSWORD}
        ).status_code
        == 200
    )


def test_only_the_bureau_manages_accounts(client, world, token_for):
    chain = token_for(world["chain_a_user"])
    target = world["sme_x_user"].username
    assert client.get("/api/v1/users", headers=chain).status_code == 403
    assert client.post(f"/api/v1/users/{target}/disable", headers=chain).status_code == 403
    bureau = token_for(world["bureau_user"])
    listed = client.get("/api/v1/users", headers=bureau).json
    assert listed["total"] == 5 and "password" not in str(listed) and "hash" not in str(listed)
    assert client.post("/api/v1/users/nobody/disable", headers=bureau).status_code == 404


def test_bureau_creates_accounts_and_bad_ones_name_the_field(client, world, token_for):
    bureau = token_for(world["bureau_user"])
    body = {
        "username": "li.ming",
        "password": "a-good-password-1",
        "role": "sme",
        "uscc": world["x"].uscc,
    }
    created = client.post("/api/v1/users", json=body, headers=bureau)
    assert created.status_code == 201 and created.json["uscc"] == world["x"].uscc
    bad = client.post(
        "/api/v1/users", json=body | {"password": "short", "role": "boss"}, headers=bureau
    )
    assert bad.status_code == 422 and {"password", "role"} <= set(bad.json["errors"])
    mass = client.post(
        "/api/v1/users",
        json=body | {"username": "x2", "active": False, "session_generation": 9},
        headers=bureau,
    )
    assert mass.status_code == 422  # fields that are not inputs are refused, not assigned


def test_a_user_revokes_the_token_in_hand(client, world, token_for):
    headers = token_for(world["chain_a_user"])
    other = token_for(world["chain_a_user"])
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/chains", headers=headers).status_code == 401
    assert client.get("/api/v1/chains", headers=other).status_code == 200
    assert client.delete("/api/v1/auth/token").status_code == 401


def test_password_change_ends_other_tokens_and_is_audited(client, world, token_for, db):
    user = world["chain_a_user"]
    headers, other = token_for(user), token_for(user)
    wrong = client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": "nope", "new_password": "new-password-77"},
    )
    assert wrong.status_code == 422 and "current_password" in wrong.json["errors"]
    ok = client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "new-password-77"},
    )
    assert ok.status_code == 204
    assert client.get("/api/v1/chains", headers=other).status_code == 401
    token = client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": "new-password-77"}
    )
    assert token.status_code == 200
    actions = db.execute(select(AuditEvent.action)).scalars().all()
    assert "change_password" in actions and "revoke_tokens" in actions


def test_password_page_changes_it_and_ends_other_sessions(app, client, world, login):
    from .conftest import csrf_token

    user = world["bureau_user"]
    login(user)
    other = app.test_client()
    login(user, client=other)
    client.get("/lang/en")
    page = client.get("/account/password").get_data(as_text=True)
    bad = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "short",
            "confirm": "short",
            "csrf_token": csrf_token(page),
        },
    )
    assert bad.status_code == 422 and "at least 10 characters" in bad.get_data(as_text=True)
    done = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "brand-new-pass-9",
            "confirm": "brand-new-pass-9",
            "csrf_token": csrf_token(page),
        },
    )
    assert done.status_code == 302
    assert client.get("/bureau/").status_code == 200
    assert other.get("/bureau/").status_code == 302
