"""The pages in a real browser (Debian's headless Chromium through Playwright): board rows as a reader sees them,
the period links followed, the hidden member absent from the source, a name that is HTML shown as text, a
rotated link a 404, no Content-Security-Policy complaint, no sideways scrolling on a phone or at 200% zoom, and a
screenshot of each page in tests/web_screenshots/ (the README shows cohort-page.png, rewritten when missing or
with STUDYBOT_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import shutil
from typing import Any

from tests.web.browser import SCREENSHOTS, browser, serving
from tests.web.conftest import SCRIPT_NAME, Site, busy_cohort, cohort_of_six, path_of

README_SCREENSHOT = SCREENSHOTS / "cohort-page.png"


async def _rows(page: Any) -> list[list[str]]:
    return await page.eval_on_selector_all(
        "table.board tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))")


async def _no_sideways_scroll(page: Any) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


async def test_the_cohort_page_in_a_browser(site: Site) -> None:
    paths = await cohort_of_six(site)
    SCREENSHOTS.mkdir(exist_ok=True)
    async with serving(site.app()) as base, browser() as chromium:
        context = await chromium.new_context(viewport={"width": 1000, "height": 900})
        page = await context.new_page()
        dialogs: list[str] = []
        complaints: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        page.on("console", lambda message: complaints.append(message.text) if message.type == "error" else None)

        response = await page.goto(base + paths["cohort"])
        assert response is not None and response.status == 200
        source = await response.text()
        assert "Cat Hidden" not in source  # hidden from boards: not in the source at all
        assert "Ben Quiet" not in source and "Eve Private" not in source  # names only by choice
        assert "<script" not in source.replace("&lt;script", "")  # no script of ours, none of theirs
        assert await page.locator("script").count() == 0

        rows = await _rows(page)
        names = [row[1] for row in rows]
        assert SCRIPT_NAME in names and "Ann Organizer" in names  # the HTML name reads as text
        assert {"Member 1", "Member 2"} <= set(names) and "Cat Hidden" not in names
        assert all(row[2] == "3" for row in rows)  # three days each on the streak board
        assert await page.get_attribute("nav.boards a[aria-current=page]", "href") == "?board=streak"
        collapse = await page.evaluate("getComputedStyle(document.querySelector('table.board')).borderCollapse")
        assert collapse == "collapse"  # the stylesheet loaded under the CSP
        await page.screenshot(path=str(SCREENSHOTS / "cohort-light.png"), full_page=True)

        seen = {}
        for label, board in (("This week", "week"), ("This month", "month"), ("All time", "all"),
                             ("Streak", "streak")):
            await page.click(f"nav.boards >> text={label}")
            await page.wait_for_load_state()
            assert page.url.endswith(f"?board={board}")
            assert await page.get_attribute("nav.boards a[aria-current=page]", "href") == f"?board={board}"
            seen[board] = await _rows(page)
            caption = await page.text_content("table.board caption")
            assert caption is not None and caption.startswith(label)
        by_name = {row[1]: row[2] for row in seen["week"]}
        assert by_name[SCRIPT_NAME] == "180" and by_name["Ann Organizer"] == "90"  # minutes in the week
        assert "Cat Hidden" not in by_name
        assert seen["streak"] == rows

        cells = await page.locator("svg.grid.cohort g.day").count()
        assert cells == 11 * 7 + 5  # eleven weeks, and this one up to today, a Friday
        title = await page.text_content("svg.grid.cohort g.day:last-of-type title")
        assert title is not None and "today" in title

        assert not dialogs, f"a script ran: {dialogs}"
        assert not [text for text in complaints if "Content Security Policy" in text], complaints

        for name, options in (("cohort-dark", {"color_scheme": "dark", "viewport": {"width": 1000, "height": 900}}),
                              ("cohort-phone", {"viewport": {"width": 375, "height": 800}, "device_scale_factor": 2}),
                              ("cohort-zoom-200", {"viewport": {"width": 640, "height": 800},
                                                   "device_scale_factor": 2})):
            other = await chromium.new_context(**options)
            view = await other.new_page()
            await view.goto(base + paths["cohort"])
            assert await _no_sideways_scroll(view), f"{name}: the page scrolls sideways"
            await view.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            await other.close()

        rotated = path_of((await site.say("U-ANN-1", "cohort web rotate")).data["url"])
        gone = await page.goto(base + paths["cohort"])
        assert gone is not None and gone.status == 404
        assert await page.text_content("h1") == "Page not found"
        await page.screenshot(path=str(SCREENSHOTS / "not-found.png"), full_page=True)
        fresh = await page.goto(base + rotated)
        assert fresh is not None and fresh.status == 200
        await context.close()


async def test_the_member_page_in_a_browser(site: Site) -> None:
    paths = await cohort_of_six(site)
    SCREENSHOTS.mkdir(exist_ok=True)
    async with serving(site.app()) as base, browser() as chromium:
        for name, options in (("member-light", {"viewport": {"width": 1000, "height": 900}}),
                              ("member-dark", {"color_scheme": "dark", "viewport": {"width": 1000, "height": 900}}),
                              ("member-phone", {"viewport": {"width": 375, "height": 800},
                                                "device_scale_factor": 2})):
            context = await chromium.new_context(**options)
            page = await context.new_page()
            response = await page.goto(base + paths["member"])
            assert response is not None and response.status == 200
            source = await response.text()
            assert "America/Chicago" not in source and "U-BEN-2" not in source
            assert await page.text_content("h1") == "Ben Quiet"
            streak = await page.text_content("dl.tiles div:first-child dd")
            assert streak is not None and streak.split()[0] == "3"
            days = page.locator("svg.grid.year g.day")
            assert await days.count() > 300  # a year of days up to today
            last = await page.text_content("svg.grid.year g.day:last-of-type title")
            assert last is not None and "today" in last
            assert await _no_sideways_scroll(page), f"{name}: the page scrolls sideways"
            await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            await context.close()

        await site.say("U-BEN-2", "stats web rotate")
        context = await chromium.new_context()
        page = await context.new_page()
        gone = await page.goto(base + paths["member"])
        assert gone is not None and gone.status == 404
        await context.close()


async def test_screenshots_of_a_cohort_with_twelve_weeks_behind_it(site: Site) -> None:
    """The README's picture, and the marks of a real year (rest days, a pause, freezes, a repair) in a browser."""
    paths = await busy_cohort(site)
    SCREENSHOTS.mkdir(exist_ok=True)
    async with serving(site.app()) as base, browser() as chromium:
        for scheme in ("light", "dark"):
            context = await chromium.new_context(color_scheme=scheme, viewport={"width": 900, "height": 900})
            page = await context.new_page()
            await page.goto(base + paths["cohort"] + "?board=all")
            rows = await _rows(page)
            assert len(rows) == 8 and "Cat Hidden" not in [row[1] for row in rows]  # nine members, one hidden
            response = await page.goto(base + paths["cohort"])
            assert response is not None and response.status == 200
            assert "Cat Hidden" not in await response.text()
            await page.screenshot(path=str(SCREENSHOTS / f"busy-cohort-{scheme}.png"), full_page=True)
            response = await page.goto(base + paths["member"])
            assert response is not None and response.status == 200
            marks = await page.eval_on_selector_all("svg.grid.year use.mark", "uses => uses.map(u => u.classList[1])")
            assert {"off", "paused", "missed", "today"} <= set(marks), set(marks)
            await page.screenshot(path=str(SCREENSHOTS / f"busy-member-{scheme}.png"), full_page=True)
            await context.close()
    if not README_SCREENSHOT.exists() or os.environ.get("STUDYBOT_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(SCREENSHOTS / "busy-cohort-light.png", README_SCREENSHOT)
