"""Configuration: code defaults, then config.toml, then ANLIAN_* environment, then a test dict.

Validated once at start-up: an unknown key or a wrong type raises ConfigError with one line
that names it, which the entry point prints before exiting non-zero.
"""

import os
import secrets
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "ENV": "development",
    "SECRET_KEY": "",
    "DATABASE_URL": "sqlite:///instance/anlian.db",
    "TOKEN_TTL_HOURS": 12,
    "SESSION_COOKIE_SECURE": False,
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "DEFAULT_LOCALE": "zh_Hans_CN",
    "TIMEZONE": "Asia/Shanghai",
    "SCORING": {},
    "SCHEDULER": {},
    "TESTING": False,
    # Tests may turn CSRF off for a single check; it is on everywhere else.
    "WTF_CSRF_ENABLED": True,
}
CHOICES = {"ENV": ("development", "production"), "DEFAULT_LOCALE": ("zh_Hans_CN", "en")}


class ConfigError(Exception):
    """A configuration problem, described in one line."""


def load(config: dict | None = None, *, path: str | os.PathLike | None = None) -> dict:
    """The validated settings: defaults, file, environment, then `config` on top."""
    file = Path(path or os.environ.get("ANLIAN_CONFIG") or PROJECT_ROOT / "config.toml")
    settings: dict = {}
    for layer in (DEFAULTS, _read_file(file), _read_env(os.environ), config or {}):
        settings = _merge(settings, layer)
    _validate(settings)
    settings["DATABASE_URL"] = resolve_database_url(settings["DATABASE_URL"])
    return settings


def _merge(base: dict, layer: dict) -> dict:
    """`base` updated by `layer`, tables merged key by key rather than replaced."""
    merged = dict(base)
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            value = _merge(merged[key], value)
        merged[key] = value
    return merged


def _read_file(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None


def _read_env(environ) -> dict:
    """ANLIAN_KEY=value and ANLIAN_SECTION__SUB__KEY=value, values parsed as TOML literals."""
    found: dict = {}
    for name, raw in environ.items():
        if not name.startswith("ANLIAN_") or name in ("ANLIAN_CONFIG", "ANLIAN_PASSWORD"):
            continue
        if name.startswith("ANLIAN_TEST_"):
            continue
        # The top-level key is UPPERCASE like Flask's; keys inside tables are lowercase.
        head, *rest = name.removeprefix("ANLIAN_").split("__")
        path = [head, *(part.lower() for part in rest)]
        target = found
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = _literal(raw)
    return found


def _literal(raw: str):
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _validate(settings: dict) -> None:
    for key, value in settings.items():
        if key not in DEFAULTS:
            raise ConfigError(f"unknown setting {key}")
        expected = type(DEFAULTS[key])
        if expected is int and isinstance(value, bool) or not isinstance(value, expected):
            raise ConfigError(f"setting {key} must be {expected.__name__}, not {value!r}")
        if key in CHOICES and value not in CHOICES[key]:
            raise ConfigError(f"setting {key} must be one of {', '.join(CHOICES[key])}")
    try:
        ZoneInfo(settings["TIMEZONE"])
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigError(f"setting TIMEZONE: unknown time zone {settings['TIMEZONE']!r}") from None
    if settings["ENV"] == "production" and not settings["SECRET_KEY"]:
        raise ConfigError("SECRET_KEY must be set in production (ANLIAN_SECRET_KEY)")


def resolve_database_url(url: str) -> str:
    """Make a relative SQLite path relative to the project root, and its folder exist."""
    if not url.startswith("sqlite:///") or url == "sqlite://":
        return url
    raw = url.removeprefix("sqlite:///")
    if not raw or raw.startswith(":memory:") or raw.startswith("file:"):
        return url
    path = Path(raw) if raw.startswith("/") else PROJECT_ROOT / raw
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def development_secret(instance_path: Path) -> str:
    """A random key kept in instance/ so development sessions survive restarts."""
    keyfile = instance_path / "secret_key"
    if not keyfile.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        keyfile.write_text(secrets.token_hex(32))
        keyfile.chmod(0o600)
    return keyfile.read_text().strip()
