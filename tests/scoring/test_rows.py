"""rows() serialises a whole result at once, exactly as row(i) does one by one."""

import json

from hypothesis import given, settings

from scoring import ScoringConfig, score_batch

from .builders import batches


@settings(max_examples=40, deadline=None, database=None)
@given(batches(min_size=1, max_size=6))
def test_rows_equal_row_by_row_and_are_json(batch):
    result = score_batch(batch, ScoringConfig())
    every = result.rows()
    assert every == [result.rows([i])[0] for i in range(len(batch))]
    assert every[-1] == result.row(len(batch) - 1)
    json.dumps(every, allow_nan=False)
