"""Aggregated results: counts match the stored answers, small cells and the cells that would
give them back are suppressed, the threshold is never below 3."""
import csv
import io
import uuid

from survey.analysis.aggregate import aggregate
from survey.analysis.frames import response_frame
from survey.exports.aggregate_export import aggregate_csv
from survey.store.models import Response
from survey.store.questionnaires import import_questionnaire
from tests.unit.test_aggregate import ANSWERS, LOADED, QUESTIONNAIRE, WHEN, cell


def store(db, answer_list, language="de"):
    import_questionnaire(db, LOADED)
    from survey.store.responses import _version_rows
    version_id = _version_rows(db, "mini-agg")[0].id
    for answers in answer_list:
        db.add(Response(public_id=str(uuid.uuid4()), submission_key=uuid.uuid4().hex, version_id=version_id,
                        language=language, channel="web", started_on=WHEN.date(), submitted_at=WHEN,
                        answers=answers))
    db.flush()


def test_counts_from_the_database_match_the_stored_answers(db):
    store(db, ANSWERS)
    frame = response_frame(db, "mini-agg")
    assert len(frame) == 20
    table = aggregate(frame, QUESTIONNAIRE, 5)
    assert cell(table, "problems", "mould") == 15
    assert cell(table, "satisfaction", "1") == 9
    content, count = aggregate_csv(db, "mini-agg", 5)
    assert count == 20
    row = next(r for r in csv.DictReader(io.StringIO(content))
               if r["question"] == "problems" and r["option"] == "noise" and r["breakdown"] == "overall")
    assert row["count"] == "9" and row["n"] == "20"
