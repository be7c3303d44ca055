"""统一社会信用代码 (GB 32100-2015): the enterprise's natural key and its check digit."""

from .base import N_

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def check_char(body: str) -> str:
    """The 18th character for a 17-character body: (31 - sum(value*3^(i-1)) mod 31) mod 31."""
    total = sum(_VALUE[ch] * w for ch, w in zip(body, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


# Message ids, translated where they are shown (the catalogue in translations/).
WRONG_LENGTH = N_("A USCC has 18 characters.")
BAD_CHARACTERS = N_("A USCC uses only digits and capital letters other than I, O, Z, S and V.")
BAD_CHECK_DIGIT = N_("The USCC check digit does not match.")


def uscc_problem(code: object) -> str | None:
    """Why `code` is not a valid USCC (a message id), or None if it is."""
    if not isinstance(code, str) or len(code) != 18:
        return WRONG_LENGTH
    if any(ch not in _VALUE for ch in code):
        return BAD_CHARACTERS
    if check_char(code[:17]) != code[17]:
        return BAD_CHECK_DIGIT
    return None


def is_valid_uscc(code: object) -> bool:
    """True when `code` is an 18-character USCC whose check digit matches."""
    return uscc_problem(code) is None


def make_uscc(body: str) -> str:
    """Complete a 17-character body with its check digit."""
    return body + check_char(body)
