"""Synthetic responses for benchmarks: plausible answers to every question of a questionnaire,
inserted straight into the response table in large batches (no HTTP, no drafts).

Deterministic for a given seed. Conditions are ignored (a follow-up question may be answered
when its condition would hide it): the point is volume and realistic answer shapes.
"""
from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from survey.questionnaire.model import Questionnaire, QuestionType
from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.models import QuestionnaireVersion, Response

START = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)


def synthetic_answers(questionnaire: Questionnaire, rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in questionnaire.questions():
        if not question.takes_answer or rng.random() < 0.1:  # some questions left out
            continue
        options = list(question.all_options())
        if question.type is QuestionType.MULTIPLE_CHOICE:
            plain = [o.code for o in options if not o.exclusive]
            exclusive = [o.code for o in options if o.exclusive]
            if exclusive and rng.random() < 0.15:
                answers[question.code] = [rng.choice(exclusive)]
            elif plain:
                picked = set(rng.sample(plain, k=rng.randint(1, min(3, len(plain)))))
                answers[question.code] = [code for code in plain if code in picked]
            if "other" in answers.get(question.code, []):
                answers[question.other_code] = "Sonstiges"
        elif question.is_choice and options:
            # Skewed, so some cells are small and suppression has work to do.
            weights = [1.0 / (i + 1) for i in range(len(options))]
            answers[question.code] = rng.choices([o.code for o in options], weights)[0]
        elif question.type in (QuestionType.NUMBER, QuestionType.YEAR):
            answers[question.code] = rng.randint(1, 9) if question.type is QuestionType.NUMBER else rng.randint(2014, 2026)
        elif question.type is QuestionType.DATE:
            answers[question.code] = "2026-10-01"
        else:
            answers[question.code] = rng.choice(["", "Termin am Abend wäre gut", "mehr Beratung auf Arabisch"])
            if not answers[question.code]:
                del answers[question.code]
    return answers


def synthetic_rows(questionnaire: Questionnaire, version_id: int, count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    languages = list(questionnaire.language_codes)
    language_weights = [1.0 / (i + 1) for i in range(len(languages))]
    channels = ["web", "web", "web", "shelter-north", "mso-flyer", "paper"]
    for i in range(count):
        submitted = START + dt.timedelta(seconds=int(i * 86400 * 60 / max(count, 1)))  # over 60 days
        yield {
            "public_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "submission_key": f"{seed:04d}{i:060d}",
            "version_id": version_id,
            "language": rng.choices(languages, language_weights)[0],
            "channel": rng.choice(channels),
            "interviewer_entered": False,
            "started_on": submitted.date(),
            "submitted_at": submitted,
            "answers": synthetic_answers(questionnaire, rng),
        }


def insert_synthetic(engine: Engine, slug: str, count: int, questionnaire: Questionnaire,
                     seed: int = 1, batch: int = 5000) -> int:
    """Insert ``count`` synthetic responses to the newest version of ``slug``."""
    with engine.begin() as connection:
        version_id = connection.scalar(
            select(QuestionnaireVersion.id).join(QuestionnaireRow).where(QuestionnaireRow.slug == slug)
            .order_by(QuestionnaireVersion.number.desc()).limit(1))
    rows: list[dict[str, Any]] = []
    done = 0
    for row in synthetic_rows(questionnaire, version_id, count, seed):
        rows.append(row)
        if len(rows) >= batch:
            with engine.begin() as connection:
                connection.execute(insert(Response), rows)
            done += len(rows)
            rows = []
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(Response), rows)
        done += len(rows)
    return done
