"""Who is calling: web sessions (flask-login) and API bearer tokens, both ending in a Scope."""

from functools import wraps

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf import CSRFProtect

from models import User
from models.base import utcnow

from .db import get_session
from .scope import Scope
from .services import logins, users

login_manager = LoginManager()
csrf = CSRFProtect()


class LoginUser(UserMixin):
    """The flask-login face of a User; the session id carries the session generation."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_generation}"


@login_manager.user_loader
def _load_user(session_id: str) -> LoginUser | None:
    """A session stays valid only while the user is active and its generation is current."""
    user_id, _, generation = session_id.partition(":")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return LoginUser(user)


def current_scope() -> Scope:
    """The caller's scope: from the bearer token under /api/, else from the web session."""
    if "scope" in g:
        return g.scope
    if not current_user.is_authenticated:
        abort(401)
    g.scope = Scope.for_user(current_user.user, ip=request.remote_addr)
    return g.scope


def authenticate_bearer() -> None:
    """Set g.scope from `Authorization: Bearer …`; 401 when missing, expired or revoked.

    The API never honours the session cookie, so a page's cookie cannot drive it (no CSRF).
    Once per request: the access gate authenticates, views of public blueprints may ask again.
    """
    if "token_hash" in g:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        abort(401)
    user = users.user_for_token(get_session(), raw.strip())
    if user is None:
        abort(401)
    g.scope = Scope.for_user(user, ip=request.remote_addr)
    g.token_hash = users.token_digest(raw.strip())


REFUSALS = {
    "bad_credentials": (401, _l("Wrong username or password.")),
    "locked": (
        429,
        _l("Too many failed attempts: this account is locked for %(minutes)s more minutes."),
    ),
    "throttled": (
        429,
        _l("Too many failed attempts from this address; try again in %(minutes)s minutes."),
    ),
}


def try_login(username: str, password: str):
    """Check credentials through the throttle; the attempt is committed whatever the result.

    Returns (user, None) on success, else (None, (status, message, retry_after_seconds))."""
    db = get_session()
    anonymous = Scope(role="anonymous", username=username[:64], ip=request.remote_addr)
    result = logins.attempt_login(
        db, anonymous, username=username, password=password, ip=request.remote_addr, now=utcnow()
    )
    db.commit()
    if result.user is not None:
        return result.user, None
    status, message = REFUSALS[result.refusal]
    minutes = -(-(result.retry_after or 0) // 60)
    return None, (status, str(message) % {"minutes": minutes}, result.retry_after)


def role_required(*roles: str):
    """Page decorator: log in first (redirect), then only these roles (403)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_scope().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def init_app(app) -> None:
    """Sessions for pages, CSRF on every form, cookie flags."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
