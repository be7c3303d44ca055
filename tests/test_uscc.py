"""The USCC check digit (GB 32100-2015)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.uscc import (
    ALPHABET,
    BAD_CHARACTERS,
    BAD_CHECK_DIGIT,
    WRONG_LENGTH,
    check_char,
    is_valid_uscc,
    make_uscc,
    uscc_problem,
)

# A published real code, and one completed by hand from the standard.
VALID = ["91350100M000100Y43", "91350582MA2YQ0001Q"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code):
    assert is_valid_uscc(code)
    assert uscc_problem(code) is None


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y44", BAD_CHECK_DIGIT),
        ("91350100M000100Y4", WRONG_LENGTH),
        ("91350100M000100Y433", WRONG_LENGTH),
        ("", WRONG_LENGTH),
        (None, WRONG_LENGTH),
        (913501000001, WRONG_LENGTH),
        ("91350100I000100Y43", BAD_CHARACTERS),  # I is excluded
        ("91350100O000100Y43", BAD_CHARACTERS),  # O is excluded
        ("91350100m000100Y43", BAD_CHARACTERS),  # lower case
        ("91350100M000100Y4 ", BAD_CHARACTERS),
    ],
)
def test_invalid_codes_name_their_problem(code, problem):
    assert uscc_problem(code) == problem
    assert not is_valid_uscc(code)


def test_weights_are_the_standards():
    # Position weights 3^(i-1) mod 31, as DOMAIN.md lists them.
    body = "10000000000000000"
    assert check_char(body) == ALPHABET[(31 - 1) % 31]


bodies = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@given(bodies)
def test_made_codes_are_valid(body):
    assert is_valid_uscc(make_uscc(body))


@given(bodies, st.integers(0, 16), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught(body, position, replacement):
    code = make_uscc(body)
    changed = code[:position] + replacement + code[position + 1 :]
    assert is_valid_uscc(changed) == (changed == code)
