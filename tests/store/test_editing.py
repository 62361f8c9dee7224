"""The editor's domain logic without Flask: edits on questionnaire data, the loader's errors
mapped to form fields, the condition builder, and storing edits as draft versions."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from survey.questionnaire import editing as e
from survey.questionnaire import load_questionnaire_text
from survey.store.models import QuestionnaireVersion, Response
from survey.store.questionnaires import answered_codes, editable, import_questionnaire, publish_version, save_edit
from tests.unit.test_editing import SMALL

# --- storing edits (database, no Flask) ----------------------------------------------------------


def test_save_edit_makes_one_draft_after_publishing(db):
    loaded = load_questionnaire_text(SMALL)
    import_questionnaire(db, loaded)
    current = editable(db, "small")
    assert not current.is_draft and current.next_number == 2
    edit = e.update_question(current.data, "size", e.QuestionInput(code="size", type="number", label={"de": "Neu"}))
    assert save_edit(db, current, e.check(edit)).version_number == 2
    assert save_edit(db, current, current.model) is None  # nothing changed
    current = editable(db, "small")
    assert current.is_draft and current.model.question("size").label.get("de") == "Neu"
    # Undoing the change stores the undone state in the draft (the published content is
    # not stored twice, and the draft does not stay at the edited state).
    back = e.update_question(current.data, "size", e.QuestionInput(code="size", type="number", label={"de": "Größe"}))
    result = save_edit(db, current, e.check(back))
    assert result.version_number == 2
    versions = {v.number: v for v in db.scalars(select(QuestionnaireVersion))}
    assert versions[1].source == loaded.source and versions[1].status == "published"
    assert load_questionnaire_text(versions[2].source).questionnaire == loaded.questionnaire


def test_answered_codes(db):
    import_questionnaire(db, load_questionnaire_text(SMALL))
    assert answered_codes(db, "small") == frozenset()
    version = db.scalar(select(QuestionnaireVersion))
    db.add(Response(public_id=str(uuid.uuid4()), submission_key=uuid.uuid4().hex, version_id=version.id,
                    language="de", started_on=dt.date.today(), answers={"status": "a"}))
    db.flush()
    assert answered_codes(db, "small") == {"status", "help", "size", "level", "note"}
    current = editable(db, "small")
    new = e.check(e.add_question(current.data, "two", e.QuestionInput(code="extra", type="text", label={"de": "E"})))
    save_edit(db, current, new)
    publish_version(db, editable(db, "small").version)
    assert "extra" not in answered_codes(db, "small")  # version 2 has no responses yet
