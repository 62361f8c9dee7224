"""The privacy notice in Arabic on a 320 px phone (issue 17): right-to-left as a whole, the city's
German details left-to-right inside it, nothing scrolling sideways, readable without script."""
from __future__ import annotations

SLUG = "needs-assessment"


def test_the_arabic_privacy_notice_is_right_to_left_and_fits_320_px(chromium, live_server):
    context = chromium.new_context(viewport={"width": 320, "height": 640}, locale="ar", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/s/{SLUG}/ar/privacy")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("h1").inner_text() == "إشعار الخصوصية"
        city = page.locator(".city-contact").first
        assert city.get_attribute("dir") == "ltr" and city.get_attribute("lang") == "de"
        assert page.evaluate("getComputedStyle(document.querySelector('.city-contact')).direction") == "ltr"
        assert page.evaluate("getComputedStyle(document.querySelector('main h2')).direction") == "rtl"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"the notice scrolls sideways ({width} px)"
        # The heading starts at the right edge, the German address at the left of its block.
        heading = page.locator("main h2").first.bounding_box()
        assert heading is not None and heading["x"] + heading["width"] > 280
    finally:
        context.close()
