"""Page numbers of every paged list, pages and API alike."""

from flask import request

# A larger page would overflow the SQL offset (a 500): lists stop here.
MAX_PAGE = 1_000_000


def requested_page() -> int:
    """The page a list link asks for (`?page=`), kept within 1..MAX_PAGE: a mistyped or
    out-of-range number shows the nearest page rather than an error."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
