"""One entry point for questionnaire files: YAML or XLSForm, chosen by extension and content."""
from __future__ import annotations

from pathlib import Path

from survey.files import MAX_FILE_BYTES as MAX_XLSFORM_BYTES
from survey.files import OLE_MAGIC, ZIP_MAGIC
from survey.problems import Problem, staff_text
from survey.questionnaire.errors import QuestionnaireError
from survey.questionnaire.formats.xlsform_reader import load_xlsform_bytes
from survey.questionnaire.formats.yaml_reader import LoadedQuestionnaire, load_questionnaire_bytes, unreadable_file

YAML_SUFFIXES = (".yaml", ".yml")
XLSFORM_SUFFIXES = (".xlsx",)


def load_questionnaire_upload(raw: bytes, filename: str) -> LoadedQuestionnaire:
    """Load uploaded or read bytes: an .xlsx name or zip content is an XLSForm, a .yaml/.yml
    name is YAML; anything else is refused with what is accepted."""
    name = Path(filename or "upload").name or "upload"
    suffix = Path(name).suffix.lower()
    if raw.startswith(ZIP_MAGIC) or suffix in XLSFORM_SUFFIXES:
        return load_xlsform_bytes(raw, name)
    if raw.startswith(OLE_MAGIC) or suffix == ".xls":
        raise QuestionnaireError(name, [Problem("old_xls", staff_text(
            "This is an old Excel .xls file; save it as .xlsx (Excel Workbook) and try again."))])
    if suffix in YAML_SUFFIXES:
        return load_questionnaire_bytes(raw, name)
    if suffix:
        template = staff_text("'%(suffix)s' files cannot be imported; give a questionnaire file (.yaml or .yml) "
                              "or an XLSForm (.xlsx).")
    else:
        template = staff_text("Files without an extension cannot be imported; give a questionnaire file (.yaml or "
                              ".yml) or an XLSForm (.xlsx).")
    raise QuestionnaireError(name, [Problem("unknown_file_type", template, {"suffix": suffix} if suffix else {})])


def load_questionnaire_path(path: str | Path) -> LoadedQuestionnaire:
    """Load a questionnaire file from disk, YAML or XLSForm (never reading more than the larger
    size limit)."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_XLSFORM_BYTES + 1)
    except OSError as error:
        raise QuestionnaireError(path.name, [unreadable_file(error)]) from None
    return load_questionnaire_upload(raw, path.name)
