"""Provider submissions: the offer_mapping in the questionnaire file, its round trips, a submitted
response becoming a pending offer, and staff approving or rejecting it."""
from __future__ import annotations

import datetime as dt

import pytest

from survey.offers import inventory
from survey.offers.intake import offer_input_from_answers, split_contact
from survey.questionnaire import QuestionnaireError, editing, load_questionnaire_file, load_questionnaire_text
from survey.questionnaire.formats.xlsform_reader import load_xlsform_bytes
from survey.questionnaire.formats.xlsform_writer import write_xlsform
from survey.questionnaire.formats.yaml_writer import dump_questionnaire, to_data
from tests.conftest import BUNDLED

PROVIDER = """\
slug: anbieter
default_language: de
languages: [de, en]
title: {de: Angebote, en: Offers}
offer_mapping:
  provider_name: org
  title: what
  fields: topics
  districts: where
  online: remote
  phone_advice: remote
  contact: contact
sections:
  - code: offer
    title: {de: Angebot, en: Offer}
    questions:
      - code: org
        type: text
        required: true
        label: {de: Organisation, en: Organisation}
      - code: what
        type: text
        label: {de: Angebot, en: Offer}
      - code: topics
        type: multiple_choice
        label: {de: Felder, en: Fields}
        options:
          - {code: language, label: {de: Sprache, en: Language}}
          - {code: work, label: {de: Arbeit, en: Work}}
      - code: where
        type: multiple_choice
        label: {de: Wo, en: Where}
        options:
          - {code: nord, label: {de: Nord, en: North}}
          - {code: citywide, label: {de: Stadtweit, en: City-wide}}
      - code: remote
        type: multiple_choice
        label: {de: Fern, en: Remote}
        options:
          - {code: phone, label: {de: Telefon, en: Phone}}
          - {code: video, label: {de: Video, en: Video}}
      - code: contact
        type: text
        label: {de: Kontakt, en: Contact}
"""


def bundled_inventory():
    return load_questionnaire_file(BUNDLED / "offer-inventory.yaml").questionnaire


def test_the_bundled_questionnaire_declares_its_mapping():
    mapping = bundled_inventory().offer_mapping
    assert mapping["provider_name"] == "provider_name" and mapping["fields"] == "fields"
    assert mapping["online"] == mapping["phone_advice"] == "remote_options"


def test_the_mapping_survives_yaml_xlsform_and_editing_round_trips():
    original = bundled_inventory()
    assert load_questionnaire_text(dump_questionnaire(original)).questionnaire.offer_mapping == original.offer_mapping
    from_xlsform = load_xlsform_bytes(write_xlsform(original), "offer-inventory.xlsx").questionnaire
    assert dict(from_xlsform.offer_mapping) == dict(original.offer_mapping)
    assert editing.check(editing.Edit(to_data(original), "")).offer_mapping == original.offer_mapping


@pytest.mark.parametrize("line, words", [
    ("  provider: org", "'provider' is not an offer attribute. Did you mean 'provider_name'?"),
    ("  opening_hours: orga", "'orga' is not a question of this questionnaire. Did you mean 'org'?"),
    ("  cost: org", "'org' is a text question; 'cost' needs one of: single_choice"),
    ("  last_verified_on: what", "needs one of: date"),
])
def test_a_wrong_mapping_is_refused_with_its_place(line, words):
    text = PROVIDER.replace("offer_mapping:\n", f"offer_mapping:\n{line}\n")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text)
    assert words in str(caught.value)


def test_answers_to_the_bundled_questionnaire_become_offer_values():
    mapping = bundled_inventory().offer_mapping
    answers = {"provider_name": "Kulturverein Beispiel e.V.", "provider_kind": "mso", "offer_title": "Elterncafé",
               "fields": ["education", "participation"], "districts": ["ost", "citywide"],
               "target_groups": ["women_girls", "all"], "advice_languages": ["ar", "de"], "offer_cost": "free",
               "barrier_free": "partly", "access_mode": "appointment_only", "childcare": "yes",
               "remote_options": ["video"], "offer_contact": "Musterstraße 1, Musterstadt, 0000 000000-9, info@example.org",
               "last_checked": "2026-01-05"}
    data = offer_input_from_answers(mapping, answers, "de").normalized()
    assert data.title == {"de": "Elterncafé"} and data.provider_kind == "mso"
    assert data.city_wide is True and data.districts == []
    assert data.target_groups == ["women"]
    assert data.barrier_free is None and data.appointment_only is True and data.childcare is True
    assert data.online is True and data.phone_advice is False
    assert (data.contact_email, data.contact_phone, data.contact_address) == (
        "info@example.org", "0000 000000-9", "Musterstraße 1, Musterstadt")
    assert data.last_verified_on == dt.date(2026, 1, 5)
    assert inventory.validate(data, inventory.CityCodes(("education", "participation"), ("ost",)), dt.date(2026, 2, 1)) == []


def test_split_contact_finds_a_website():
    assert split_contact("www.example.org")["website"] == "https://www.example.org"
