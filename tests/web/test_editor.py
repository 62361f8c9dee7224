"""The web questionnaire editor, as a designer uses it through the browser (test client)."""
from __future__ import annotations

import re

from sqlalchemy import select

from survey.questionnaire import load_questionnaire_text
from survey.store.models import AuditEvent, QuestionnaireVersion, Response
from tests.conftest import Browser
from tests.staff_helpers import logged_in

SLUG = "kim-test"


EDIT = f"/staff/q/{SLUG}/edit"


def newest(db, slug=SLUG):
    db.expire_all()
    version = db.scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id.desc())).first()
    return version, load_questionnaire_text(version.source).questionnaire


def versions(db):
    db.expire_all()
    return {v.number: v.status for v in db.scalars(select(QuestionnaireVersion))}


def codes(model):
    return [[q.code for q in section.questions] for section in model.sections]


def question(designer, section, data, expect=302):
    response = designer.post(f"{EDIT}/s/{section}/new-question", data)
    assert response.status_code == expect, _errors(response)
    return response


def _errors(response):
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return summary.group() if summary else page[:1500]


def create(designer):
    page = designer.get("/staff/questionnaires/new")
    assert page.status_code == 200 and 'name="slug"' in page.get_data(as_text=True)
    response = designer.post("/staff/questionnaires/new", {
        "slug": SLUG, "title": "KIM-Befragung", "default_language": "de", "languages": ["en", "ar"],
        "section_title": "Allgemeines", "welcome": "Willkommen zur Befragung.",
    })
    assert response.status_code == 302, _errors(response)
    assert response.headers["Location"].endswith(EDIT)


def test_analyst_gets_403(app, db_session_factory, bundled):
    analyst = logged_in(app, db_session_factory, "a@musterstadt.example", "analyst")
    assert analyst.get("/staff/q/needs-assessment/edit").status_code == 403
    assert analyst.get("/staff/questionnaires/new").status_code == 403
    assert analyst.get("/staff/q/needs-assessment/edit/q/district").status_code == 403
    assert analyst.post("/staff/q/needs-assessment/edit/move",
                        {"kind": "question", "code": "district", "direction": "down"}).status_code == 403
    assert analyst.post("/staff/q/needs-assessment/edit/q/district/delete").status_code == 403
    # The questionnaire page offers "Edit" to designers only.
    assert "/edit" not in analyst.get("/staff/q/needs-assessment").get_data(as_text=True)


def test_build_publish_answer_and_edit_a_questionnaire(app, db_session_factory, db):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    create(designer)
    assert versions(db) == {1: "draft"}
    overview = designer.get(EDIT).get_data(as_text=True)
    assert "Allgemeines" in overview and "welcome" in overview

    # A new page (section) with an integration field and its first question, a single choice.
    choose = designer.get(f"{EDIT}/new-section").get_data(as_text=True)
    assert 'name="type" value="single_choice"' in choose
    form = designer.get(f"{EDIT}/new-section?type=single_choice").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in form and 'name="options[0].code"' in form
    assert "staff-editor" in form  # the optional code suggestion script
    response = designer.post(f"{EDIT}/new-section", {
        "section.title.de": "Arbeit", "section.title.en": "Work", "section.code": "work", "section.field": "work",
        "type": "single_choice", "code": "work_status", "required": "on",
        "label.de": "Was machen Sie zurzeit?", "label.en": "What do you do at the moment?",
        "options[0].code": "looking", "options[0].label.de": "Ich suche Arbeit", "options[0].label.en": "Looking for work",
        "options[1].code": "employed", "options[1].label.de": "Ich arbeite",
        "options[2].code": "", "options[2].label.de": "",  # an empty row is ignored
        "other": "on",
    })
    assert response.status_code == 302, _errors(response)
    version, model = newest(db)
    assert version.number == 1 and version.status == "draft"
    work = model.section("work")
    assert work.field == "work" and work.questions[0].other
    assert [o.code for o in work.questions[0].options] == ["looking", "employed"]

    # Districts first, then questions of every type.
    assert designer.post(f"{EDIT}/districts", {
        "options[0].code": "nord", "options[0].label.de": "Nord",
        "options[1].code": "sued", "options[1].label.de": "Süd",
    }).status_code == 302
    question(designer, "work", {"type": "multiple_choice", "code": "work_help", "label.de": "Wobei brauchen Sie Hilfe?",
                                "options[0].code": "job_search", "options[0].label.de": "Arbeitssuche",
                                "options[1].code": "none", "options[1].label.de": "Nichts", "options[1].exclusive": "on"})
    question(designer, "work", {"type": "yes_no", "code": "recognised", "label.de": "Ist Ihr Abschluss anerkannt?"})
    question(designer, "work", {"type": "scale", "code": "satisfaction", "label.de": "Wie zufrieden sind Sie?",
                                **{f"options[{i}].code": str(i + 1) for i in range(5)},
                                **{f"options[{i}].label.de": f"Stufe {i + 1}" for i in range(5)}})
    question(designer, "work", {"type": "number", "code": "hours", "label.de": "Wie viele Stunden pro Woche?",
                                "min": "1", "max": "80", "decimals": "on"})
    question(designer, "work", {"type": "text", "code": "job_title", "label.de": "Ihr Beruf", "max_length": "100",
                                "hint.de": "z. B. Krankenpfleger"})
    question(designer, "work", {"type": "long_text", "code": "remarks", "label.de": "Anmerkungen"})
    question(designer, "work", {"type": "year", "code": "since", "label.de": "Seit wann?", "min": "1990", "max": "2030"})
    question(designer, "work", {"type": "date", "code": "start_date", "label.de": "Ab wann?"})
    question(designer, "work", {"type": "district", "code": "district", "label.de": "Wo arbeiten Sie?"})
    question(designer, "work", {"type": "info", "code": "thanks_note", "label.de": "Danke!"})
    _version, model = newest(db)
    assert codes(model)[1] == ["work_status", "work_help", "recognised", "satisfaction", "hours", "job_title",
                               "remarks", "since", "start_date", "district", "thanks_note"]
    hours = model.question("hours")
    assert (hours.minimum, hours.maximum, hours.decimals) == (1, 80, True)
    assert model.question("job_title").max_length == 100 and model.question("job_title").hint.get("de") == "z. B. Krankenpfleger"
    assert model.question("work_help").options[1].exclusive
    assert [o.code for o in model.question("district").options] == ["nord", "sued"]
    assert versions(db) == {1: "draft"}  # every edit updated the one draft

    # Errors next to the field, with what was typed kept: a duplicate code, a missing German text.
    bad = question(designer, "work", {"type": "text", "code": "hours", "label.en": "Kept English text"}, expect=422)
    page = bad.get_data(as_text=True)
    assert re.search(r'id="f-code-error"[^>]*>.*used already', page)
    assert re.search(r'id="f-label-de-error"[^>]*>.*The &#39;de&#39; translation is missing', page)
    assert 'href="#f-label-de"' in page and 'href="#f-code"' in page  # the summary links to the fields
    assert 'aria-invalid="true"' in page and "Kept English text" in page
    assert 'class="error-summary"' in page
    # An empty code gets a suggestion from the label, put into the field.
    bad = question(designer, "work", {"type": "text", "label.de": "Ihr Arbeitgeber?"}, expect=422)
    assert 'value="ihr_arbeitgeber"' in bad.get_data(as_text=True)
    # Option rows move before saving, without losing anything.
    moved = designer.post(f"{EDIT}/q/work_help", {
        "type": "multiple_choice", "code": "work_help", "label.de": "Wobei brauchen Sie Hilfe?",
        "options[0].code": "job_search", "options[0].label.de": "Arbeitssuche",
        "options[1].code": "none", "options[1].label.de": "Nichts", "row_action": "up:1"})
    text = moved.get_data(as_text=True)
    assert moved.status_code == 200 and text.index('value="none"') < text.index('value="job_search"')

    # A condition, built by choosing an earlier question, a comparison and a value.
    builder = designer.get(f"{EDIT}/q/hours/condition").get_data(as_text=True)
    assert 'value="work_status"' in builder and 'value="district"' not in builder  # only earlier questions
    step2 = designer.get(f"{EDIT}/q/hours/condition?question=work_status").get_data(as_text=True)
    assert 'name="operator"' in step2 and 'value="any_of"' in step2 and 'value="employed"' in step2
    assert 'value="lt"' not in step2  # "less than" does not fit a single choice
    wrong = designer.post(f"{EDIT}/q/hours/condition", {"action": "add", "question": "work_status", "operator": "is",
                                                        "values": ["employed", "looking"]})
    assert wrong.status_code == 422 and "f-rule-values-error" in wrong.get_data(as_text=True)
    added = designer.post(f"{EDIT}/q/hours/condition", {"action": "add", "question": "work_status", "operator": "is",
                                                        "values": "employed"})
    assert added.status_code == 302, _errors(added)
    designer.post(f"{EDIT}/q/hours/condition", {"action": "add", "question": "satisfaction", "operator": "lt",
                                                "values": "4", "combinator": "and"})
    _version, model = newest(db)
    assert model.question("hours").condition.source == "work_status == 'employed' and satisfaction < 4"
    shown = designer.get(f"{EDIT}/q/hours/condition").get_data(as_text=True)
    assert "is less than" in shown or "kleiner" in shown
    designer.post(f"{EDIT}/q/hours/condition", {"action": "remove_rule", "rule": "1"})
    _version, model = newest(db)
    assert model.question("hours").condition.source == "work_status == 'employed'"
    assert "Shown only when" in designer.get(EDIT).get_data(as_text=True)

    # Reorder: a question up, then a whole page up and back down.
    assert designer.post(f"{EDIT}/move", {"kind": "question", "code": "recognised", "direction": "up"}).status_code == 302
    _version, model = newest(db)
    assert codes(model)[1][:3] == ["work_status", "recognised", "work_help"]
    # Moving the condition's question below the question using it is refused, at its row.
    refused = designer.post(f"{EDIT}/move", {"kind": "question", "code": "hours", "direction": "up"})
    assert refused.status_code == 302  # hours may move up past satisfaction
    for _ in range(3):
        designer.post(f"{EDIT}/move", {"kind": "question", "code": "hours", "direction": "up"})
    refused = designer.post(f"{EDIT}/move", {"kind": "question", "code": "hours", "direction": "up"})
    assert refused.status_code == 422 and "comes later" in refused.get_data(as_text=True)
    assert 'id="f-hours"' in refused.get_data(as_text=True)
    assert designer.post(f"{EDIT}/move", {"kind": "section", "code": "work", "direction": "up"}).status_code == 302
    _version, model = newest(db)
    assert [s.code for s in model.sections] == ["work", "allgemeines"]
    designer.post(f"{EDIT}/move", {"kind": "section", "code": "work", "direction": "down"})

    # Delete with confirmation; a question a condition uses cannot go, and the page says which.
    confirm = designer.get(f"{EDIT}/q/remarks/delete")
    assert confirm.status_code == 200 and 'class="danger"' in confirm.get_data(as_text=True)
    assert designer.post(f"{EDIT}/q/remarks/delete").status_code == 302
    refused = designer.post(f"{EDIT}/q/work_status/delete")
    assert refused.status_code == 422 and "hours" in _errors(refused)
    _version, model = newest(db)
    assert not model.has_question("remarks") and model.has_question("work_status")

    # Publish and answer it as a respondent.
    assert designer.post(f"/staff/q/{SLUG}/v/1/publish", {"with_fallback": "yes"}).status_code == 302
    respondent = Browser(app.test_client())
    respondent.get(f"/s/{SLUG}/de/")
    respondent.post(f"/s/{SLUG}/de/start")
    assert respondent.url == f"/s/{SLUG}/de/p/allgemeines", respondent.html[:500]
    assert "Willkommen zur Befragung." in respondent.html
    respondent.post(data={"action": "next"})
    assert respondent.url == f"/s/{SLUG}/de/p/work"
    answers = {"action": "next", "work_status": "employed", "recognised": "yes", "satisfaction": "2", "hours": "20",
               "job_title": "Pfleger", "since": "2020", "district": "nord"}
    respondent.post(data=answers)
    if respondent.url.endswith("/p/work"):
        respondent.post(data=answers)  # the follow-up question appeared on the page
    assert respondent.url == f"/s/{SLUG}/de/review", respondent.html[:3000]
    respondent.post(f"/s/{SLUG}/de/submit")
    assert respondent.url == f"/s/{SLUG}/de/thanks"
    stored = db.scalar(select(Response))
    assert stored.answers["hours"] == 20 and stored.answers["work_status"] == "employed"

    # Editing the published version creates draft 2; version 1 and its response stay.
    published_source = db.scalar(select(QuestionnaireVersion.source).where(QuestionnaireVersion.number == 1))
    edit_form = designer.get(f"{EDIT}/q/hours").get_data(as_text=True)
    assert "version 2" in edit_form or "Version 2" in edit_form
    changed = designer.post(f"{EDIT}/q/hours", {"type": "number", "code": "hours", "label.de": "Stunden pro Woche?",
                                                  "min": "1", "max": "60"})
    assert changed.status_code == 302, _errors(changed)
    assert versions(db) == {1: "published", 2: "draft"}
    assert db.scalar(select(QuestionnaireVersion.source).where(QuestionnaireVersion.number == 1)) == published_source
    assert db.scalar(select(QuestionnaireVersion.number).join(Response, Response.version_id == QuestionnaireVersion.id)) == 1
    _version, model = newest(db)
    assert model.question("hours").maximum == 60
    assert model.question("hours").condition.source == "work_status == 'employed'"  # kept
    designer.post(f"{EDIT}/q/job_title", {"type": "text", "code": "job_title", "label.de": "Ihr Beruf?"})
    assert versions(db) == {1: "published", 2: "draft"}  # later edits update that draft

    # The code of a question with responses stays, and so does its type.
    renamed = designer.post(f"{EDIT}/q/hours", {"type": "number", "code": "weekly_hours", "label.de": "Stunden?"})
    assert renamed.status_code == 422 and re.search(r'id="f-code-error"[^>]*>.*cannot change', renamed.get_data(as_text=True))
    retyped = designer.post(f"{EDIT}/q/hours", {"type": "text", "code": "hours", "label.de": "Stunden?"})
    assert retyped.status_code == 422 and "f-type-error" in retyped.get_data(as_text=True)
    readonly = designer.get(f"{EDIT}/q/hours").get_data(as_text=True)
    assert re.search(r'name="code" value="hours" readonly', readonly)
    # A question without responses may be renamed; conditions using it follow.
    question(designer, "work", {"type": "yes_no", "code": "has_car", "label.de": "Haben Sie ein Auto?"})
    question(designer, "work", {"type": "text", "code": "car_type", "label.de": "Welches Auto?"})
    refused = designer.post(f"{EDIT}/q/thanks_note/condition", {"action": "add", "question": "has_car", "operator": "is", "values": "yes"})
    assert refused.status_code == 422 and "f-rule-question-error" in refused.get_data(as_text=True)  # a later question
    assert designer.post(f"{EDIT}/q/car_type/condition", {"action": "add", "question": "has_car", "operator": "is",
                                                          "values": "yes"}).status_code == 302
    assert designer.post(f"{EDIT}/q/has_car", {"type": "yes_no", "code": "car", "label.de": "Auto?"}).status_code == 302
    _version, model = newest(db)
    assert model.question("car_type").condition.source == "car == 'yes'"

    events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "questionnaire_edited")))
    assert len(events) > 10 and all(event.target == SLUG for event in events)
    assert any("hours" in event.detail["what"] for event in events)


def test_settings_languages_and_a_hand_written_condition(app, db_session_factory, db, bundled):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    edit = "/staff/q/needs-assessment/edit"
    overview = designer.get(edit).get_data(as_text=True)
    assert "Version 1" in overview or "version 1" in overview  # published: the first change makes a draft
    # The bundled conditions all fit the builder and read as rules.
    page = designer.get(f"{edit}/q/urgency/condition").get_data(as_text=True)
    assert "is answered" in page and "has not selected" in page and "count(help_areas)" not in page

    settings = designer.get(f"{edit}/settings").get_data(as_text=True)
    assert 'name="offered.fr" value="on" checked' in settings
    # Un-ticking "partial" of a language lacking texts is refused next to that language.
    form = {"default_language": "de", "title.de": "Bedarf", "title.en": "Needs"}
    for tag in ("de", "en", "ar"):
        form[f"offered.{tag}"] = "on"
    refused = designer.post(f"{edit}/settings", form)
    assert refused.status_code == 422, _errors(refused)  # ar lacks its title now
    assert "f-title-ar-error" in refused.get_data(as_text=True)
    form["title.ar"] = "الاحتياجات"
    assert designer.post(f"{edit}/settings", form).status_code == 302
    _version, model = newest(db, "needs-assessment")
    assert model.language_codes == ("de", "en", "ar") and model.title.get("de") == "Bedarf"
    assert versions(db)[1] == "published"


def _form_fields(page):
    """The question form's fields as a browser sends them (text areas, text inputs, checked boxes,
    the chosen type)."""
    import html as markup
    fields = {name: markup.unescape(text).removeprefix("\n")
              for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S)}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrf_token" and ('type="checkbox"' not in tag or " checked" in tag):
            fields[name.group(1)] = markup.unescape(value.group(1)) if value else ""
    fields["type"] = re.search(r'<option value="([^"]+)" selected', page).group(1)
    return fields


def test_a_save_reads_the_yaml_once_and_stores_the_file_it_read(app, db_session_factory, db, bundled, monkeypatch):
    """A save cost three readings of the whole file (0.5 s of CPU at the bundled size, issue 18):
    the operation's check, the store's check and the stored file's. Now the edit is read once,
    and the stored file is the documented layout of the model it holds."""
    import survey.questionnaire.formats.yaml_reader as yaml_reader
    from survey.questionnaire.formats.yaml_writer import dump_data, to_data

    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    url = "/staff/q/needs-assessment/edit/q/german_course"
    fields = _form_fields(designer.get(url).get_data(as_text=True))
    assert fields["type"] == "single_choice" and fields["label.de"]
    fields["label.de"] = "Besuchen Sie gerade einen Deutschkurs?"
    readings = []
    real = yaml_reader.read_yaml
    monkeypatch.setattr(yaml_reader, "read_yaml", lambda text: readings.append(text) or real(text))
    response = designer.post(url, fields)
    assert response.status_code == 302, _errors(response)
    assert len(readings) == 1
    version, model = newest(db, "needs-assessment")
    assert version.status == "draft"
    assert model.question("german_course").label.translations["de"] == "Besuchen Sie gerade einen Deutschkurs?"
    header, body = version.source.split("# The format is described in docs/questionnaire-format.md\n", 1)
    assert header.startswith("# needs-assessment, version 2, written by the staff web editor.")
    assert body == dump_data(to_data(model), header="")
    # The same form again changes nothing and stores nothing.
    assert designer.post(url, fields).status_code == 302
    assert versions(db) == {1: "published", 2: "draft"}
    db.expire_all()
    assert newest(db, "needs-assessment")[0].source == version.source
