"""Answering the needs questionnaire in Chromium the way a person does: one valid set of answers
per page (follow-ups included), filled in as they become visible."""
from __future__ import annotations

PAGES = [
    ("about", {"district": "mitte", "age_band": "28_44", "housing_type": "shared_accommodation",
               "household_children": "yes", "arrival_year": "٢٠٢٢"}),
    ("needs", {"help_areas": ["housing", "work"], "knows_where": "no", "urgency": "very_urgent",
               "barriers": ["language", "other"], "barriers_other": "<i>Bus</i>"}),
    ("language", {"german_level": "2", "german_course": "would_like", "course_obstacles": ["place"]}),
    ("education", {"children_ages": ["under_3", "6_9"], "childcare_place_needed": "yes", "school_help": ["homework"]}),
    ("work", {"work_status": "looking", "work_help": ["job_search"], "foreign_qualification": "yes"}),
    ("housing", {"housing_help": ["finding_flat"], "housing_satisfaction": "2"}),
    ("health", {}),
    ("legal", {"legal_help": ["residence_permit"]}),
    ("participation", {"discrimination": "yes", "discrimination_help": "yes"}),
    ("preferences", {"advice_language": ["ar", "uk"], "advice_channel": ["phone"], "household_size": "٣",
                     "comments": "Straße am Markt 1 – مرحبا"}),
]


def fill(page, data) -> None:
    """Answer what is visible now, in order (a follow-up may appear after an earlier answer)."""
    for code, value in data.items():
        values = value if isinstance(value, list) else [value]
        first = page.locator(f'[name="{code}"]').first
        if not first.count() or not first.is_visible():
            continue
        if first.get_attribute("type") in ("radio", "checkbox"):
            for item in values:
                page.locator(f'[name="{code}"][value="{item}"]').check()
        else:
            first.fill(values[0])


def complete_page(page, data, javascript: bool) -> None:
    start = page.url
    fill(page, data)
    click_and_wait(page, "button[value=next]", javascript)
    for _round in range(3):
        if page.url != start:
            break
        # Only without script do follow-ups wait for the server to show them (a follow-up of a
        # follow-up takes one more round).
        assert not javascript, f"stayed on {start} although the script shows follow-ups"
        assert page.locator(".notice").is_visible(), page.locator("main").inner_text()[:500]
        fill(page, data)
        click_and_wait(page, "button[value=next]", javascript)
    assert page.url != start, f"could not leave {start}"


def click_and_wait(page, selector: str, javascript: bool) -> None:
    """Press a form's button. With script the page is sent by survey.js, so the next page comes
    after the click returned: wait until the address changed or the page answered in place."""
    start = page.url
    if not javascript:
        # The browser posts the form itself; the answer may come back to the same address, so
        # wait for that navigation rather than for the address to change.
        with page.expect_navigation():
            page.click(selector)
        return
    page.click(selector)
    page.wait_for_function("start => location.href !== start || !document.querySelector('form[aria-busy]')", arg=start)
    page.wait_for_load_state()
