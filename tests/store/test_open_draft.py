"""The respondent pages' draft (survey.store.drafts.OpenDraft): loaded and saved with one Core
statement each, and a save that finds its draft gone (submitted or deleted in another tab
meanwhile) stores nothing and says so. A draft past its retention opens for nobody, whether or
not the clean-up has deleted it yet."""
import datetime as dt

from sqlalchemy import func, select, update

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
    draft = drafts.find_draft(db, handle.token, retention_days=30)
    assert draft is not None and draft.language == "ar" and draft.answers == {} and not draft.closed
    assert draft.content_hash == version.content_hash
    assert questionnaire_by_hash(db, draft.version_id, draft.content_hash).slug == version.questionnaire.slug
    assert drafts.save_answers(db, draft, {"district": "mitte"}, "needs", "en") is True
    db.commit()
    again = drafts.find_draft(db, handle.token, retention_days=30)
    assert again.answers == {"district": "mitte"} and again.current_section == "needs" and again.language == "en"
    assert drafts.find_draft(db, "not-a-token", retention_days=30) is None
    assert drafts.find_draft(db, None, retention_days=30) is None


def test_closed_questionnaire_shows_on_the_draft(db, bundled):
    version, handle = _started(db)
    version.questionnaire.closed_at = func.now()
    db.commit()
    assert drafts.find_draft(db, handle.token, retention_days=30).closed is True


def test_save_after_the_draft_was_submitted_elsewhere_stores_nothing(db, bundled):
    _version, handle = _started(db)
    seen_by_page = drafts.find_draft(db, handle.token, retention_days=30)
    other_tab = drafts.find_draft(db, handle.token, retention_days=30)
    assert drafts.submit_draft(db, other_tab, {"district": "mitte"}) is not None
    db.commit()
    assert drafts.save_answers(db, seen_by_page, {"district": "nord"}, "needs", "ar") is False
    db.commit()
    assert db.scalar(select(func.count()).select_from(Draft)) == 0
    assert [r.answers for r in db.scalars(select(Response))] == [{"district": "mitte"}]


def _last_saved(session, days_ago):
    session.execute(update(Draft).values(last_saved_on=drafts.today() - dt.timedelta(days=days_ago)))
    session.commit()


def test_an_expired_draft_opens_neither_by_token_nor_by_code_before_any_clean_up(db, bundled):
    version, handle = _started(db)
    _last_saved(db, 45)
    assert drafts.find_draft(db, handle.token, retention_days=30) is None
    assert drafts.resume_with_code(db, handle.resume_code, version.questionnaire.slug, retention_days=30) is None
    # Not deleted yet: only unreachable, until the clean-up deletes it.
    assert db.scalar(select(func.count()).select_from(Draft)) == 1
    assert drafts.delete_expired_drafts(db, 30) == 1


def test_a_draft_opens_until_the_last_day_of_its_retention(db, bundled):
    version, handle = _started(db)
    _last_saved(db, 30)  # announced as "deleted after" today: still open today
    assert drafts.find_draft(db, handle.token, retention_days=30) is not None
    assert drafts.delete_expired_drafts(db, 30) == 0
    _last_saved(db, 31)
    assert drafts.find_draft(db, handle.token, retention_days=30) is None
    assert drafts.find_draft(db, handle.token, retention_days=31) is not None
    resumed = drafts.resume_with_code(db, handle.resume_code, version.questionnaire.slug, retention_days=31)
    assert resumed is not None and resumed[0].last_saved_on == drafts.today()  # resuming counts as a save
