"""Entry point: `flask --app app …` and `gunicorn app:app`.

A configuration problem or an unreachable database stops start-up with one line and a
non-zero exit, never a traceback.
"""

import sys

from anlian import create_app
from anlian.config import ConfigError
from anlian.db import DatabaseUnavailable, check_database

try:
    app = create_app()
    check_database(app)
except (ConfigError, DatabaseUnavailable) as problem:
    print(f"anlian: {problem}", file=sys.stderr)
    sys.exit(2)
