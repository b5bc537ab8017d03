"""The pages: templates on one base (``web/page.html``: the head, the shared styles and the
pages' shared script), each served by its area's route."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader

WEB = Path(__file__).resolve().parent / "web"
# Our own templates, with no values put in them: nothing to escape (and JavaScript inside).
_TEMPLATES = Environment(loader=FileSystemLoader(WEB), autoescape=False)


def page(name: str) -> HTMLResponse:
    """The page ``name`` (a template in ``web/``), whole."""
    return HTMLResponse(_TEMPLATES.get_template(name).render())
