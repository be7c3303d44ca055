"""The demo's procurement data: a scheme per chain, a year of ratings, admission checklists;
after a month close the demo chain user sees a ranking with complete and incomplete rows."""

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from anlian.db import make_engine
from anlian.demo import generate
from anlian.services import assessment, scores
from models import AdmissionCheck, Chain, Rating, Scheme, User
from scoring import ScoringConfig

END = "2026-10"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'd.db'}")
    SQLModel.metadata.create_all(engine)
    session = Session(engine)
    summary = generate(session, seed=7, scale="small", end_month=END)
    session.commit()
    yield session, summary
    session.close()
    engine.dispose()


def test_every_chain_has_a_valid_first_scheme(demo):
    session, summary = demo
    found = session.execute(select(Scheme)).scalars().all()
    assert len(found) == summary.counts["scheme"] == summary.counts["chain"]
    for scheme in found:
        assert scheme.version == 1 and 2000 <= scheme.safety_weight_bp <= 3000
        assert sum(c["weight_bp"] for c in scheme.criteria) == 10_000
        assert [b["settlement_adjustment_pct"] for b in scheme.bands] == [2, 0, -3, -5]


def test_a_year_of_ratings_and_checklists(demo):
    session, summary = demo
    periods = session.execute(select(func.distinct(Rating.period))).scalars().all()
    assert len(periods) == 12 and max(periods) == END
    assert summary.counts["rating"] == session.scalar(select(func.count()).select_from(Rating))
    failing = session.scalar(
        select(func.count()).select_from(AdmissionCheck).where(AdmissionCheck.met.is_(False))
    )
    assert 0 < failing < summary.counts["admission_check"] / 20


def test_the_demo_chain_sees_a_ranking_after_the_close(demo):
    session, _ = demo
    scores.close_month(session, month=END, config=ScoringConfig())
    assessment.close_period(session, month=END)
    chain_id = session.scalar(select(User.chain_id).where(User.username == "chain"))
    rows = assessment.assess_chain(session, session.get(Chain, chain_id), period=END)
    complete = [r for r in rows if r["complete"]]
    assert len(rows) >= 20 and len(complete) > len(rows) / 2
    assert any(not r["complete"] for r in rows)  # a few ratings are missing
    assert {r["order_action"] for r in complete} >= {"normal"}
    session.rollback()
