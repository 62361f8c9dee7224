"""Questionnaire definitions: the model, loading and validation. No Flask, no database."""
from survey.problems import Problem
from survey.questionnaire.errors import QuestionnaireError
from survey.questionnaire.formats.reading import load_questionnaire_path, load_questionnaire_upload
from survey.questionnaire.formats.yaml_reader import (
    LoadedQuestionnaire,
    load_questionnaire_bytes,
    load_questionnaire_file,
    load_questionnaire_text,
)
from survey.questionnaire.model import (
    IntegrationField,
    Option,
    Question,
    Questionnaire,
    QuestionType,
    Section,
    Text,
)

__all__ = [
    "IntegrationField",
    "LoadedQuestionnaire",
    "Option",
    "Problem",
    "Question",
    "QuestionType",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "Text",
    "load_questionnaire_bytes",
    "load_questionnaire_file",
    "load_questionnaire_path",
    "load_questionnaire_text",
    "load_questionnaire_upload",
]
