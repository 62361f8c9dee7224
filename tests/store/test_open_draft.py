"""The respondent pages' draft (survey.store.drafts.OpenDraft): loaded and saved with one Core
statement each, and a save that finds its draft gone (submitted or deleted in another tab
meanwhile) stores nothing and says so."""
from sqlalchemy import func, select

from survey.store import drafts
from survey.store.models import Draft, QuestionnaireVersion, Response
from survey.store.questionnaires import questionnaire_by_hash


def _started(session):
    version = session.scalar(select(QuestionnaireVersion).limit(1))
    _draft, handle = drafts.start_draft(session, version, "ar", "web")
    session.commit()
    return version, handle


def test_open_draft_round_trip(db, bundled):
    version, handle = _started(db)
    draft = drafts.find_draft(db, handle.token)
    assert draft is not None and draft.language == "ar" and draft.answers == {} and not draft.closed
    assert draft.content_hash == version.content_hash
    assert questionnaire_by_hash(db, draft.version_id, draft.content_hash).slug == version.questionnaire.slug
    assert drafts.save_answers(db, draft, {"district": "mitte"}, "needs", "en") is True
    db.commit()
    again = drafts.find_draft(db, handle.token)
    assert again.answers == {"district": "mitte"} and again.current_section == "needs" and again.language == "en"
    assert drafts.find_draft(db, "not-a-token") is None and drafts.find_draft(db, None) is None


def test_closed_questionnaire_shows_on_the_draft(db, bundled):
    version, handle = _started(db)
    version.questionnaire.closed_at = func.now()
    db.commit()
    assert drafts.find_draft(db, handle.token).closed is True


def test_save_after_the_draft_was_submitted_elsewhere_stores_nothing(db, bundled):
    _version, handle = _started(db)
    seen_by_page = drafts.find_draft(db, handle.token)
    other_tab = drafts.find_draft(db, handle.token)
    assert drafts.submit_draft(db, other_tab, {"district": "mitte"}) is not None
    db.commit()
    assert drafts.save_answers(db, seen_by_page, {"district": "nord"}, "needs", "ar") is False
    db.commit()
    assert db.scalar(select(func.count()).select_from(Draft)) == 0
    assert [r.answers for r in db.scalars(select(Response))] == [{"district": "mitte"}]
