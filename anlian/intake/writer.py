"""Matching rows to what is stored, and writing the difference in bulk.

Existing rows are loaded set-based (chunked IN lists), compared field by field, and only the
difference is written: bulk INSERT for new keys, bulk UPDATE by primary key for changed ones,
each update audited with before and after. Re-importing a file writes nothing at all.
Only the file's columns are compared and written: a column the file lacks keeps its stored
value (new rows get the table's default), while a blank cell means that column's default.
"""

from dataclasses import dataclass, field
from operator import itemgetter

from sqlalchemy import select, update

from anlian.services import audit
from models.base import utcnow

from .bulk import insert_rows
from .kinds import Kind
from .refs import chunks, enterprise_ids

WRITE_CHUNK = 5_000
PREVIEW = 20


@dataclass
class Plan:
    """What an import would change; `inserts` are row values, `columns` the ones to store."""

    columns: list[str] = field(default_factory=list)
    inserts: list[dict] = field(default_factory=list)
    updates: list[tuple[int, dict, dict]] = field(default_factory=list)  # (id, before, after)
    unchanged: int = 0
    affected: set[int] = field(default_factory=set)
    preview: list[dict] = field(default_factory=list)


def _key_getter(names):
    # itemgetter of one name returns the bare value; keys are compared as tuples everywhere.
    get = itemgetter(*names)
    return (lambda row: (get(row),)) if len(names) == 1 else get


def _existing(session, spec: Kind, rows: list, names: list[str]) -> dict[tuple, dict]:
    """Stored rows for the file's keys, by natural key."""
    table, key = spec.table, _key_getter(spec.key)
    query = select(*(table.c[n] for n in ["id", *dict.fromkeys([*spec.key, *names])]))
    by = "uscc" if spec.name == "enterprises" else "enterprise_id"
    found = {}
    for part in chunks({values[by] for _, values in rows}):
        for row in session.execute(query.where(table.c[by].in_(part))).mappings():
            found[key(row)] = dict(row)
    return found


def plan_changes(session, spec: Kind, rows: list) -> Plan:
    """Sort the file's rows into inserts, updates and unchanged."""
    if not rows:
        return Plan()
    columns = set(spec.table.c.keys()) - {"id"}
    plan = Plan(columns=[n for n in rows[0][1] if n in columns])
    stored = _existing(session, spec, rows, plan.columns)
    if stored:
        _compare(plan, spec, rows, stored)
    else:  # all new, the usual first import: no lookup per row
        plan.inserts = [values for _, values in rows]
        plan.preview = [_insert_change(plan, spec, n, v) for n, v in rows[:PREVIEW]]
    plan.affected.update(v["enterprise_id"] for v in plan.inserts if "enterprise_id" in v)
    return plan


def _compare(plan: Plan, spec: Kind, rows: list, stored: dict) -> None:
    key, compared = _key_getter(spec.key), [n for n in plan.columns if n not in spec.key]
    for number, values in rows:
        old = stored.get(key(values))
        if old is None:
            plan.inserts.append(values)
            if len(plan.preview) < PREVIEW:
                plan.preview.append(_insert_change(plan, spec, number, values))
            continue
        changed = [n for n in compared if old[n] != values[n]]
        if not changed:
            plan.unchanged += 1
            continue
        before, after = {n: old[n] for n in changed}, {n: values[n] for n in changed}
        plan.updates.append((old["id"], before, after))
        plan.affected.add(old["id"] if spec.name == "enterprises" else old["enterprise_id"])
        if len(plan.preview) < PREVIEW:
            plan.preview.append(_change(spec, number, values, "update", before, after))


def _insert_change(plan: Plan, spec: Kind, number: int, values: dict) -> dict:
    return _change(spec, number, values, "insert", None, {n: values[n] for n in plan.columns})


def _change(spec: Kind, number: int, values: dict, action: str, before, after) -> dict:
    """One preview entry: the row, what happens, its key as in the file, before and after."""
    return {"row": number, "action": action,
            "key": audit.plain({n: values[n] for n in spec.file_key}),
            "before": audit.plain(before), "after": audit.plain(after)}


def apply(session, scope, spec: Kind, plan: Plan, filename: str, progress=None) -> None:
    """Write the plan in the caller's transaction (flushed, not committed) and audit it."""
    done = _insert(session, spec, plan, progress)
    for part in chunks(plan.updates, WRITE_CHUNK):
        session.execute(update(spec.model), [{"id": i, **after} for i, _, after in part])
        for row_id, before, after in part:
            audit.record(session, scope, action="import_update", entity=spec.entity,
                         entity_id=row_id, before=before, after=after)
        done += len(part)
        if progress:
            progress(done)
    if plan.inserts or plan.updates:
        counts = {"inserted": len(plan.inserts), "updated": len(plan.updates),
                  "unchanged": plan.unchanged}
        audit.record(session, scope, action="import", entity=spec.name,
                     entity_id=filename[-64:], after=counts)
    session.flush()


def _insert(session, spec: Kind, plan: Plan, progress) -> int:
    """Insert the new rows in chunks; new enterprises join the affected ids."""
    done = 0
    # One timestamp for the whole file: cheaper than a default per row, and it dates the batch.
    now = utcnow()
    stamps = {c: now for c in ("created_at", "updated_at") if c in spec.table.c}
    for part in chunks(plan.inserts, WRITE_CHUNK):
        insert_rows(session, spec.table, part, plan.columns, stamps)
        done += len(part)
        if progress:
            progress(done)
    if plan.inserts and spec.name == "enterprises":
        new_ids = enterprise_ids(session, [r["uscc"] for r in plan.inserts])
        plan.affected |= set(new_ids.values())
    return done
