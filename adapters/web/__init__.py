"""The web adapter (issue 14): a cohort's public page, a member's private page, calendar feeds and the link
preview card, server-rendered from the core's plain page data (bot/pages.py). Never imports storage."""

from adapters.web.app import PageSource, WebPages

__all__ = ["PageSource", "WebPages"]
