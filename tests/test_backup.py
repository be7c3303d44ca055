"""`flask db backup` and `db restore` round-trip the data on both databases."""

from sqlalchemy import func, select

from models import Enterprise


def _count(db) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(Enterprise)).scalar_one()


def test_backup_then_restore_brings_the_data_back(runner, make, db, tmp_path):
    make.enterprise()
    make.enterprise()
    target = tmp_path / "snap.bak"
    result = runner.invoke(args=["db", "backup", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0
    make.enterprise()
    assert _count(db) == 3
    db.close()
    result = runner.invoke(args=["db", "restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert _count(db) == 2


def test_restore_of_a_missing_file_is_refused(runner):
    result = runner.invoke(args=["db", "restore", "/nonexistent/file.db", "--yes"])
    assert result.exit_code != 0 and "Traceback" not in result.output
