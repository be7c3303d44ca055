"""Log in, log out, choose the language."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..auth import LoginUser, current_scope, try_login
from ..db import get_session
from ..errors import Invalid, translate
from ..i18n import LOCALES
from ..services import accounts, users

bp = Blueprint("auth", __name__)
HOME_BY_ROLE = {"bureau": "bureau.index", "chain": "chain.index", "sme": "sme.index"}


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@bp.get("/")
def home():
    """Each role lands on its own page; strangers on the login page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_BY_ROLE[current_user.user.role]))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; a successful login starts a fresh session."""
    form = LoginForm()
    status = 200 if request.method == "GET" else 400
    if form.validate_on_submit():
        user, refusal = try_login(form.username.data.strip(), form.password.data)
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a new session at login, never the one the visitor brought
            if lang:
                session["lang"] = lang
            login_user(LoginUser(user))
            return redirect(url_for(HOME_BY_ROLE[user.role]))
        status, message, _retry = refusal
        flash(message, "error")
    return render_template("login.html", form=form), status


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", _l("The two passwords differ."))],
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change my password; my other sessions and API tokens end, this one continues."""
    form = PasswordForm()
    if form.validate_on_submit():
        db = get_session()
        user = db.merge(current_user.user)
        try:
            accounts.change_password(
                db,
                current_scope(),
                user,
                current=form.current_password.data,
                new=form.new_password.data,
            )
        except Invalid as problem:
            for name, messages in problem.errors.items():
                getattr(form, name).errors.extend(translate(m) for m in messages)
        else:
            db.commit()
            login_user(LoginUser(user))
            flash(_l("Your password has been changed; your other sessions have ended."), "info")
            return redirect(url_for("auth.home"))
    return render_template("password.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
def logout():
    """End this and every other session of the user."""
    if current_user.is_authenticated:
        db = get_session()
        users.end_sessions(db, db.merge(current_user.user))
        db.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch the interface language and go back where the user was."""
    if code in LOCALES:
        session["lang"] = code
    target = request.referrer or url_for("auth.home")
    if not target.startswith(request.host_url):
        target = url_for("auth.home")
    return redirect(target)
