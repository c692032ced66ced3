"""Mails are Japanese, with a plain-text part and an HTML part made from the same content."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.template import Context, engines
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import mark_safe


def html_from_text(subject: str, text: str) -> str:
    # The text is escaped first, so the paragraphs and links made from it are safe HTML.
    body = mark_safe(linebreaks(urlize(escape(text), autoescape=False), autoescape=False))  # noqa: S308
    return render_to_string("notifications/email/layout.html", {"subject": subject, "body": body})


def render_text(template_name: str, context: dict[str, Any]) -> str:
    """A plain-text template (a mail's subject or body), rendered without HTML escaping: the
    mail shows `S&B食品` as it is written, not `S&amp;B食品`. The HTML part is escaped once,
    from the text (html_from_text)."""
    engine = cast(DjangoTemplates, engines["django"]).engine
    return engine.get_template(template_name).render(Context(context, autoescape=False))


def render_email(template_prefix: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) from `<prefix>_subject.txt` and `<prefix>.txt`."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_text(f"{template_prefix}_subject.txt", context).split())
    text = render_text(f"{template_prefix}.txt", context).strip() + "\n"
    return subject, text, html_from_text(subject, text)
