"""The results kept between processes (survey.analysis.frame_cache) are exactly the results of a
fresh computation: after new responses (only those are read), after a deletion and after SQLite
gives a deleted last id to a new response (everything read again), never with a number of a
deleted response (issue 18)."""
from __future__ import annotations

import random
import uuid

import pandas as pd
import pytest
from sqlalchemy import delete, select

import survey.analysis.frame_cache as frame_cache
from survey.analysis.results import Results, cached_results, compute_results
from survey.store.models import Response
from tests.store.test_aggregate import store
from tests.unit.test_aggregate import ANSWERS, WHEN

SLUG = "mini-agg"


def assert_same(kept: Results, fresh: Results) -> None:
    assert kept.total == fresh.total
    assert (kept.first_day, kept.last_day) == (fresh.first_day, fresh.last_day)
    for name in ("weekly", "by_language", "by_district", "by_channel", "by_field", "overall_table",
                 "need_by_district", "table", "frame"):
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(fresh, name), obj=name)


def more(db, count: int, seed: int, language: str = "ar") -> None:
    """Further responses of every kind of answer, unknown codes and odd values included."""
    rng = random.Random(seed)
    version_id = db.scalar(select(Response.version_id).limit(1))
    for _ in range(count):
        answers = {"district": rng.choice(["nord", "sued", "west", "ost-neu", None]),
                   "age": rng.choice(["young", "old", "older"]),
                   "flat_help": rng.choice(["yes", "no", True, 1]),
                   "problems": rng.choice([["mould"], ["noise", "mould"], ["none"], [], "mould", None])}
        db.add(Response(public_id=str(uuid.uuid4()), submission_key=uuid.uuid4().hex, version_id=version_id,
                        language=language, channel=rng.choice(["web", "paper"]), started_on=WHEN.date(),
                        submitted_at=WHEN, answers={k: v for k, v in answers.items() if v is not None}))
    db.flush()


@pytest.fixture()
def reads(monkeypatch):
    """The ranges of response ids the frame cache reads."""
    found: list[tuple[int, int | None]] = []
    real = frame_cache.analysis_rows

    def recording(session, slug, after_id=0, up_to_id=None):
        found.append((after_id, up_to_id))
        return real(session, slug, after_id, up_to_id)

    monkeypatch.setattr(frame_cache, "analysis_rows", recording)
    return found


def kept(db, folder):
    return compute_results(db, SLUG, 5, cache_dir=folder, database_key="test")


def test_new_responses_are_added_to_the_kept_frame_and_give_the_same_results(db, tmp_path, reads):
    store(db, ANSWERS)
    first = kept(db, tmp_path)
    assert reads == [(0, first_last_id(db))] and len(list(tmp_path.glob("frame-*.npz"))) == 1
    assert_same(first, compute_results(db, SLUG, 5))
    before = first_last_id(db)
    more(db, 37, seed=1)
    reads.clear()
    second = kept(db, tmp_path)
    assert reads == [(before, first_last_id(db))]  # only the new ones were read
    assert second.total == 57
    assert_same(second, compute_results(db, SLUG, 5))
    reads.clear()
    third = kept(db, tmp_path)
    assert reads == []  # nothing new: nothing read
    assert_same(third, compute_results(db, SLUG, 5))


def first_last_id(db) -> int:
    return db.scalar(select(Response.id).order_by(Response.id.desc()).limit(1))


def test_a_deleted_response_makes_it_read_everything_again(db, tmp_path, reads):
    store(db, ANSWERS)
    more(db, 20, seed=2)
    kept(db, tmp_path)
    # A response in the middle goes: the kept frame no longer matches the stored responses.
    middle = db.scalar(select(Response.id).order_by(Response.id).offset(5).limit(1))
    db.execute(delete(Response).where(Response.id == middle))
    more(db, 3, seed=3)
    reads.clear()
    after = kept(db, tmp_path)
    assert reads == [(0, first_last_id(db))]
    assert after.total == 42
    assert_same(after, compute_results(db, SLUG, 5))


def test_a_reused_last_id_is_not_taken_for_the_kept_response(db, tmp_path, reads):
    """SQLite gives the id of a deleted last row to the next one: same count, same last id."""
    store(db, ANSWERS)
    more(db, 10, seed=4, language="de")
    kept(db, tmp_path)
    last = first_last_id(db)
    db.execute(delete(Response).where(Response.id == last))
    more(db, 1, seed=5, language="fa")
    assert db.scalar(select(Response.language).where(Response.id == first_last_id(db))) == "fa"
    reads.clear()
    after = kept(db, tmp_path)
    assert reads and reads[0][0] == 0
    assert_same(after, compute_results(db, SLUG, 5))
    assert "fa" in list(after.by_language["group"])


def test_all_answers_deleted_leaves_nothing_of_them(db, tmp_path):
    store(db, ANSWERS)
    assert kept(db, tmp_path).total == 20
    db.execute(delete(Response))
    empty = kept(db, tmp_path)
    assert empty.total == 0 and empty.overall_table["count"].sum() == 0
    assert_same(empty, compute_results(db, SLUG, 5))


def test_a_damaged_file_is_read_again_from_the_database(db, tmp_path):
    store(db, ANSWERS)
    kept(db, tmp_path)
    for path in tmp_path.glob("frame-*.npz"):
        path.write_bytes(b"not a frame")
    assert_same(kept(db, tmp_path), compute_results(db, SLUG, 5))


def test_kept_results_in_memory_follow_the_responses(db, tmp_path):
    store(db, ANSWERS)
    first = cached_results(db, SLUG, 5, "engine", cache_dir=tmp_path, database_key="test")
    assert cached_results(db, SLUG, 5, "engine", cache_dir=tmp_path, database_key="test") is first
    more(db, 5, seed=6)
    second = cached_results(db, SLUG, 5, "engine", cache_dir=tmp_path, database_key="test")
    assert second is not first and second.total == 25
    assert_same(second, compute_results(db, SLUG, 5))


def test_the_gap_matrix_counted_from_the_frame_is_the_one_counted_from_the_answers(db, tmp_path):
    """The council report counts its needs-and-offers table from the kept frame instead of
    reading every response again (issue 18): the same matrix, odd answers included."""
    from survey.analysis.gap_source import facts_of_frame, gap_matrix_for
    from survey.store.municipality import DistrictInfo, ensure_default_fields, save_districts

    ensure_default_fields(db)
    save_districts(db, [DistrictInfo("nord", "Nord"), DistrictInfo("sued", "Süd")])
    store(db, ANSWERS)
    more(db, 60, seed=8)
    results = kept(db, tmp_path)
    assert facts_of_frame(results.frame, {"nord", "sued"}) is not None
    assert gap_matrix_for(db, SLUG, 5, results.frame) == gap_matrix_for(db, SLUG, 5)
    # A district answered as a number: the frame cannot tell it from a code; the answers are read.
    version_id = db.scalar(select(Response.version_id).limit(1))
    db.add(Response(public_id=str(uuid.uuid4()), submission_key=uuid.uuid4().hex, version_id=version_id, language="de",
                    channel="web", started_on=WHEN.date(), submitted_at=WHEN, answers={"district": 7, "flat_help": "yes"}))
    db.flush()
    results = kept(db, tmp_path)
    assert facts_of_frame(results.frame, {"nord", "sued"}) is None
    assert gap_matrix_for(db, SLUG, 5, results.frame) == gap_matrix_for(db, SLUG, 5)


def test_a_folder_that_cannot_be_written_costs_speed_not_the_results(db, tmp_path):
    store(db, ANSWERS)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    assert_same(kept(db, blocked), compute_results(db, SLUG, 5))


def test_editing_a_drafts_texts_keeps_the_frame_and_a_new_option_reads_again(db, tmp_path, reads):
    """The kept frame depends on codes, options and needs, not on texts: staff editing the next
    version's wording do not make the next results view read every response again."""
    from survey.questionnaire import load_questionnaire_text
    from survey.store.questionnaires import save_draft
    from tests.unit.test_aggregate import FORM

    store(db, ANSWERS)
    save_draft(db, load_questionnaire_text(FORM.replace("Probleme", "Probleme im Haus")))  # a new draft version
    kept(db, tmp_path)
    reads.clear()
    save_draft(db, load_questionnaire_text(FORM.replace("Probleme", "Welche Probleme gibt es")))
    worded = kept(db, tmp_path)
    assert reads == []
    assert worded.question("problems").question.label.translations["de"] == "Welche Probleme gibt es"
    assert_same(worded, compute_results(db, SLUG, 5))
    save_draft(db, load_questionnaire_text(FORM.replace(
        "          - {code: none, exclusive: true, label: {de: Keine}}",
        "          - {code: none, exclusive: true, label: {de: Keine}}\n          - {code: damp, label: {de: Feuchtigkeit}}")))
    optioned = kept(db, tmp_path)
    assert reads and reads[0][0] == 0
    assert "damp" in list(optioned.overall("problems")["option"])
    assert_same(optioned, compute_results(db, SLUG, 5))
