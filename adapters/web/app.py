"""The web pages over HTTP (issue 14), on the aiohttp app that already serves /healthz, /metrics and Slack:

    /c/<slug>[?board=streak|week|month|all]   the cohort's page          /c/<slug>/card.png   its link preview
    /c/<slug>/calendar.ics                    the cohort's feed          /m/<token>           a member's page
    /m/<token>/calendar.ics                   the member's feed          /assets/studybot.css the stylesheet

The pages read through the core (`StudyBot.cohort_page` …), which finds a page only by its random slug or token
and hands over data already made private; this adapter renders it. Every answer carries a strict
Content-Security-Policy (no script at all, styles from the stylesheet route only), `Referrer-Policy:
no-referrer` (the slug must not leak to other sites), `X-Content-Type-Options: nosniff`, `Cache-Control` and an
`ETag` (304 on a matching If-None-Match). An unknown, rotated or disabled link is a 404 in the same look,
a database that cannot be reached a 503, anything else a 500 page: never a stack trace."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Protocol

import aiohttp_jinja2
import jinja2
from aiohttp import web

from adapters.web import feeds, render
from adapters.web.card import cohort_card
from bot.errors import StorageUnavailable
from bot.pages import CohortCalendar, CohortPage, MemberCalendar, MemberPage

log = logging.getLogger(__name__)

TEMPLATES = web.AppKey("studybot_web_templates", jinja2.Environment)

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",  # a page found by its link alone stays out of search engines
}
# Pages change with every check-in: a cache may keep them but asks again each time (the ETag makes that cheap).
# A member's page is theirs alone: no shared cache keeps it. Error pages are never kept.
CACHE_PUBLIC, CACHE_PRIVATE, CACHE_NONE = "public, no-cache", "private, no-cache", "no-store"
CACHE_ASSET = "public, max-age=86400"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PageSource(Protocol):
    """What the pages need from the core: `bot.service.StudyBot` is one."""

    async def cohort_page(self, slug: str, board: str = "streak") -> CohortPage | None: ...
    async def member_page(self, token: str) -> MemberPage | None: ...
    async def member_calendar(self, token: str) -> MemberCalendar | None: ...
    async def cohort_calendar(self, slug: str) -> CohortCalendar | None: ...


class WebPages:
    def __init__(self, source: PageSource, public_url: str | None = None) -> None:
        self._source = source
        self._public_url = public_url.rstrip("/") if public_url else None

    def install(self, app: web.Application) -> None:
        """Add the templates and the routes to `app` (before it starts)."""
        aiohttp_jinja2.setup(app, app_key=TEMPLATES, **render.environment_options())
        app.add_routes(self.routes())
        access = logging.getLogger("aiohttp.access")  # the request line holds the link: logged without it
        if not any(isinstance(known, HideLinks) for known in access.filters):
            access.addFilter(HideLinks())

    def routes(self) -> list[web.RouteDef]:
        guard = self._guarded
        return [
            web.get(render.STYLESHEET_PATH, guard(self.stylesheet)),
            web.get("/c/{slug}", guard(self.cohort)),
            web.get("/c/{slug}/calendar.ics", guard(self.cohort_calendar)),
            web.get("/c/{slug}/card.png", guard(self.card)),
            web.get("/c/{slug}/{rest:.*}", guard(self.not_found)),  # a trailing slash, too
            web.get("/m/{token}", guard(self.member)),
            web.get("/m/{token}/calendar.ics", guard(self.member_calendar)),
            web.get("/m/{token}/{rest:.*}", guard(self.not_found)),
        ]

    # --- the handlers ---
    async def cohort(self, request: web.Request) -> web.StreamResponse:
        slug, board = request.match_info["slug"], request.query.get("board", "streak")
        page = await self._source.cohort_page(slug, board)
        if page is None:
            return await self.not_found(request)
        base = f"{self._base(request)}/c/{slug}"
        query = "" if board == "streak" else f"?board={board}"
        context = render.cohort_context(page, page_url=f"{base}{query}", card_url=f"{base}/card.png{query}",
                                        calendar_url=f"/c/{slug}/calendar.ics")
        html = aiohttp_jinja2.render_string("cohort.html", request, context, app_key=TEMPLATES)
        return _answer(request, html.encode(), "text/html", CACHE_PUBLIC)

    async def card(self, request: web.Request) -> web.StreamResponse:
        page = await self._source.cohort_page(request.match_info["slug"], request.query.get("board", "streak"))
        if page is None:
            return await self.not_found(request)
        png = await asyncio.to_thread(cohort_card, page)  # Pillow drawing stays off the event loop
        return _answer(request, png, "image/png", CACHE_PUBLIC)

    async def cohort_calendar(self, request: web.Request) -> web.StreamResponse:
        slug = request.match_info["slug"]
        feed = await self._source.cohort_calendar(slug)
        if feed is None:
            return await self.not_found(request)
        body = feeds.cohort_feed(feed, slug, _utc_today())
        return _answer(request, body, feeds.CONTENT_TYPE, CACHE_PUBLIC, filename="cohort.ics")

    async def member(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        page = await self._source.member_page(token)
        if page is None:
            return await self.not_found(request)
        context = render.member_context(page, calendar_url=f"/m/{token}/calendar.ics")
        html = aiohttp_jinja2.render_string("member.html", request, context, app_key=TEMPLATES)
        return _answer(request, html.encode(), "text/html", CACHE_PRIVATE)

    async def member_calendar(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        feed = await self._source.member_calendar(token)
        if feed is None:
            return await self.not_found(request)
        body = feeds.member_feed(feed, token, _utc_today())
        return _answer(request, body, feeds.CONTENT_TYPE, CACHE_PRIVATE, filename="studybot.ics")

    async def stylesheet(self, request: web.Request) -> web.StreamResponse:
        return _answer(request, render.stylesheet(), "text/css", CACHE_ASSET)

    async def not_found(self, request: web.Request) -> web.Response:
        """Unknown, rotated, disabled or mistyped: one answer for all, so a 404 tells nothing about what was."""
        return self._error(request, 404, "Page not found",
                           "There is no page at this link. It may have been replaced by a new link or taken down "
                           "by the cohort's organizers; ask them (or, for your own page, run `stats web`) for the "
                           "current one.")

    # --- around every handler ---
    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except web.HTTPException:
                raise
            except StorageUnavailable:
                log.warning("web page %s: the database is unavailable", request.path.split("/")[1:2])
                response = self._error(request, 503, "Back in a moment",
                                       "studybot cannot reach its database right now. Try again in a minute.")
                response.headers["Retry-After"] = "30"
                return response
            except Exception:
                log.exception("web page: unexpected error")  # the path holds a secret: not logged
                return self._error(request, 500, "Something went wrong",
                                   "studybot could not show this page. Try again in a minute.")

        return guarded

    def _error(self, request: web.Request, status: int, heading: str, message: str) -> web.Response:
        try:
            html = aiohttp_jinja2.render_string("error.html", request, render.error_context(status, heading, message),
                                                app_key=TEMPLATES)
        except Exception:  # even the error page failed: plain text, still no traceback
            log.exception("web page: the error page failed")
            html = f"<!doctype html><title>{status}</title><h1>{heading}</h1><p>{message}</p>"
        response = web.Response(status=status, body=html.encode(), content_type="text/html", charset="utf-8")
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = CACHE_NONE
        return response

    def _base(self, request: web.Request) -> str:
        return self._public_url or f"{request.scheme}://{request.host}"


class HideLinks(logging.Filter):
    """aiohttp's access log (at INFO) writes each request line: `/c/<slug>` and `/m/<token>` become `/c/…`, in
    the message and in the fields a structured formatter may read (`first_request_line`, `request_header`)."""

    LINK = re.compile(r"/([cm])/[^/\s?\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._hide(record.getMessage()), None
        line, headers = getattr(record, "first_request_line", None), getattr(record, "request_header", None)
        if isinstance(line, str):
            record.first_request_line = self._hide(line)
        if isinstance(headers, dict):  # the Referer, say
            record.request_header = {name: self._hide(str(value)) for name, value in headers.items()}
        return True

    def _hide(self, text: str) -> str:
        return self.LINK.sub(r"/\1/…", text)


def _answer(request: web.Request, body: bytes, content_type: str, cache: str, *,
            filename: str | None = None) -> web.Response:
    """The body with the security headers, its cache policy and a strong ETag; 304 when the client has it."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {**SECURITY_HEADERS, "Cache-Control": cache, "ETag": etag}
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if _matches(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    charset = None if content_type.startswith("image/") else "utf-8"
    return web.Response(body=body, content_type=content_type, charset=charset, headers=headers)


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def _utc_today() -> date:
    return datetime.now(UTC).date()
