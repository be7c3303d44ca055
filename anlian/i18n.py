"""Languages: Chinese first, English available; chosen by the user, else by the browser."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel import dates
from flask import current_app, has_request_context, request, session
from flask_babel import Babel, format_decimal, get_locale

from models.vocab import INDUSTRIES

from .config import PROJECT_ROOT

LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
babel = Babel()


def select_locale() -> str:
    """The user's explicit choice (web session), else Accept-Language, else the default."""
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    chosen = session.get("lang") if not request.path.startswith("/api/") else None
    if chosen in LOCALES:
        return LOCALES[chosen]
    best = request.accept_languages.best_match(list(LOCALES))
    return LOCALES[best] if best else current_app.config["DEFAULT_LOCALE"]


def short_locale() -> str:
    """`zh` or `en`: the language the page is in, for the switch and the html lang."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def label(table: dict, code: str | None) -> str:
    """The Chinese or English label of an enumeration code, for the page's language."""
    if code not in table:
        return code or ""
    chinese, english = table[code]
    return english if short_locale() == "en" else chinese


def date_label(day: date | None) -> str:
    """A date as the page's language writes it: 2026年11月2日 / Nov 2, 2026."""
    return "" if day is None else dates.format_date(day, "medium", locale=get_locale())


def moment_label(moment: datetime | None) -> str:
    """A stored moment (UTC; SQLite returns it naive) to the minute, in the bureau's time zone,
    as the page's language writes it: 2026年11月22日 19:40 / Nov 22, 2026 19:40."""
    if moment is None:
        return ""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
    time = dates.format_skeleton("Hm", local, tzinfo=zone, locale=get_locale())
    return f"{date_label(local.date())} {time}"


def init_app(app) -> None:
    """Wire flask-babel with our selector and make its helpers available in templates."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(PROJECT_ROOT / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        get_locale=get_locale,
        short_locale=short_locale,
        format_decimal=format_decimal,
        date_label=date_label,
        moment_label=moment_label,
        industry_label=lambda code: label(INDUSTRIES, code),
    )
