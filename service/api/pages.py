"""The pages: templates on one base (``web/page.html``: the head, the navigation bar, the shared
styles and the pages' shared script), each served by its area's route. A page is a shell with
no data in it, served without a token: its script sends the person to /signin when the browser
keeps no token, and every data call it makes is authorised.

And what a person reads when a request is refused: a browser opening a URL (it asks for
``text/html``) gets a page with a Chinese sentence and the English beside it, never raw JSON;
API clients get JSON, a refused token's answer with the same sentences (``zh``, ``en``) for the
pages' own scripts (``problemText`` in ``web/common.js``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException

from etiquette.service.api.app import NO_VALID_TOKEN, RoleRefused
from etiquette.service.vocabulary import label

WEB = Path(__file__).resolve().parent / "web"
# Our own templates, with no values put in them: nothing to escape (and JavaScript inside).
_TEMPLATES = Environment(loader=FileSystemLoader(WEB), autoescape=False)
# The error page shows words built from the request (its path, a refusal's detail): escaped.
_ESCAPED = Environment(loader=FileSystemLoader(WEB), autoescape=True)
_ERROR_PAGE = _ESCAPED.from_string(
    """{% extends "page.html" %}
{% block title %}{{ zh }} · {{ en }}{% endblock %}
{% block access %}open{% endblock %}
{% block style %}
  #problem { max-width: 40rem; margin: 2rem auto; background: white; padding: 1.2rem 1.5rem;
    border-radius: .5rem; box-shadow: 0 1px 3px #0002; line-height: 1.6; }
  #problem h1 { color: #b71c1c; } #problem .en { color: #444; }
  #problem a { display: inline-block; margin: .6rem 1rem 0 0; font-size: 1.05rem; }
{% endblock %}
{% block body %}
<main id="problem" role="alert">
<h1 lang="zh-CN">{{ zh }}</h1>
<p class="en" lang="en">{{ en }}</p>
{% if sign_in %}<a id="problem-signin" href="/signin?next={{ next }}">登录 · Sign in</a>{% endif %}
<a href="/">首页 · Home</a>
</main>
{% endblock %}"""
)

SIGN_IN_AGAIN = (
    "登录已失效或令牌无效，请重新登录",
    "Your sign-in is no longer valid or the token is wrong; sign in again",
)


def page(name: str) -> HTMLResponse:
    """The page ``name`` (a template in ``web/``), whole."""
    return HTMLResponse(_TEMPLATES.get_template(name).render())


def _roles(roles: tuple[str, ...] | list[str], language: str) -> str:
    words = [label("role", role, "en" if language == "en" else "zh") for role in roles]
    return ("或" if language == "zh" else " or ").join(words)


def _article(words: str) -> str:
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words


def problem_words(error: HTTPException) -> tuple[str, str]:
    """What a person reads for ``error``: one sentence in Chinese and one in English."""
    status, detail = error.status_code, error.detail
    if isinstance(error, RoleRefused):
        return (
            f"这里需要{_roles(error.needed, 'zh')}的令牌；当前登录的是{_roles([error.role], 'zh')}",
            f"This needs {_article(_roles(error.needed, 'en'))} token; you are signed in as "
            f"{_roles([error.role], 'en')}",
        )
    if status == 401 and detail == NO_VALID_TOKEN:
        return SIGN_IN_AGAIN
    if status == 401:  # a token where this route does not take it
        return ("令牌不能放在网址里，请放在 Authorization 请求头中", str(detail))
    if status == 404:
        return ("找不到这个页面或内容", f"Not found: {detail}")
    return (f"请求未能完成（{status}）", f"The request could not be completed: {detail}")


def _wants_page(request: Request) -> bool:
    """A browser opening a URL asks for HTML; fetch() and API clients ask for */* or JSON."""
    return "text/html" in request.headers.get("accept", "")


async def problem_answer(request: Request, error: Exception) -> Response:
    """A refused request: a page a person reads, or JSON (with the sentences for a token)."""
    assert isinstance(error, HTTPException)  # registered for HTTPException only
    zh, en = problem_words(error)
    if _wants_page(request):
        # Back here after signing in; never with the refused token in the link.
        query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
        here = request.url.path + (f"?{query}" if query else "")
        html = _ERROR_PAGE.render(
            zh=zh, en=en, sign_in=error.status_code in (401, 403), next=quote(here, safe="")
        )
        return HTMLResponse(html, status_code=error.status_code, headers=error.headers)
    if error.status_code not in (401, 403):
        return await http_exception_handler(request, error)
    body: dict[str, Any] = {"detail": error.detail, "zh": zh, "en": en}
    if isinstance(error, RoleRefused):
        body["needed"] = list(error.needed)
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


def add_problem_pages(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, problem_answer)
