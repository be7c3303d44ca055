"""What a rejected import reports: one error per problem, with the file's own row and column."""

from dataclasses import dataclass, field

from . import messages as M

ERROR_CAP = 1000


@dataclass(frozen=True)
class ImportError:  # the contract's name; it shadows the builtin only where imported
    """One problem: spreadsheet row (header = 1), header as written, English message."""

    row: int | None
    column: str | None
    message: str
    key: str = "invalid"
    params: dict = field(default_factory=dict, compare=False, hash=False)

    def as_dict(self) -> dict:
        """The `{row, column, message}` the API returns."""
        return {"row": self.row, "column": self.column, "message": self.message}


def make_error(row: int | None, column: str | None, template: str, /, **params) -> ImportError:
    """An ImportError from a template of `messages` and its parameters."""
    text = {k: _text(v) for k, v in params.items()}
    return ImportError(row, column, template.format(**text), M.key_of(template), text)


def _text(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


class ImportRejected(Exception):
    """The file was not imported; `errors` says why, row by row."""

    def __init__(self, errors: list[ImportError]):
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = errors


class ImportForbidden(Exception):
    """The caller may not import this kind at all (SME users, chains outside their kinds)."""


class Problems:
    """Collects errors up to a cap, counting the rest, in the order rows appear."""

    def __init__(self, cap: int = ERROR_CAP):
        self.cap = cap
        self.kept: list[ImportError] = []
        self.dropped = 0
        self.bad_rows: set[int] = set()

    def add(self, row: int | None, column: str | None, template: str, /, **params) -> None:
        """Record one problem."""
        if row is not None:
            self.bad_rows.add(row)
        if len(self.kept) < self.cap:
            self.kept.append(make_error(row, column, template, **params))
        else:
            self.dropped += 1

    def __bool__(self) -> bool:
        return bool(self.kept)

    def errors(self) -> list[ImportError]:
        """The kept errors sorted by row, then the "and N more" line if some were dropped."""
        ordered = sorted(self.kept, key=lambda e: -1 if e.row is None else e.row)
        if self.dropped:
            ordered.append(make_error(None, None, M.MORE_ERRORS, count=self.dropped))
        return ordered

    def raise_if_any(self) -> None:
        """Reject the file if anything was recorded."""
        if self.kept:
            raise ImportRejected(self.errors())


def reject(template: str, **params):
    """Reject the whole file with one file-level error."""
    raise ImportRejected([make_error(None, None, template, **params)])
