"""The `NoticeRenderer` adapter: a notice's words from a Jinja2 text template, laid out as a PDF.

Each policy pack's notice names its template (`templates/<name>.txt.j2`,
which extends `base.txt.j2`). The text is laid out line by line: `# ` a
title, `## ` a heading, `- ` a list item, `---` the start of the note for
staff (smaller type); a blank line ends a paragraph. Names are printed as
booked: a notice whose text is all Latin-1 uses the PDF core font (Helvetica,
quick to make and small); one that is not embeds a Unicode font where one is
found (DejaVu Sans, from the system's fonts; embedding takes a few hundred
milliseconds, inside the transaction that makes the notice), and without one
prints the other characters as `?`. The document is dated by the notice, not
by the clock, so the same notice renders to the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from detainers.domain.person_notice import Answer, NoticeDocument
from detainers.domain.vocabulary import RequestedAction, Warrant

TEMPLATES = Path(__file__).with_name("templates")
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
FAMILY = "NoticeSans"
CORE_FAMILY = "helvetica"


class NoticeRenderError(Exception):
    """A notice could not be rendered: names the template and what went wrong."""


_REQUESTS = {
    RequestedAction.NOTIFY: "tell the agency the date and time of your release",
    RequestedAction.HOLD: (
        "keep you in custody after you would otherwise be released, for a limited time"
    ),
    RequestedAction.INTERVIEW: "let the agency interview you while you are in custody",
    RequestedAction.SHARE_INFO: "give the agency information about you that is not public",
}
_ANSWERS = {
    Answer.WILL: "the facility WILL do this",
    Answer.WILL_NOT: "the facility will NOT do this",
    Answer.NOT_DECIDED: "not decided yet",
}
_WARRANTS = {
    Warrant.NONE: "none",
    Warrant.I_200: "Form I-200, an arrest warrant signed by an immigration officer, not a judge",
    Warrant.I_205: "Form I-205, a removal warrant signed by an immigration officer, not a judge",
    Warrant.JUDICIAL: "a warrant signed by a judge",
}


def find_fonts(dirs: Sequence[Path] = FONT_DIRS) -> tuple[Path, Path] | None:
    """A regular and a bold Unicode font from the first folder holding both, or None."""
    for folder in dirs:
        regular, bold = (folder / name for name in FONT_FILES)
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class PdfNoticeRenderer:
    """Renders a `NoticeDocument` to PDF bytes (US Letter)."""

    def __init__(self, *, fonts: tuple[Path, Path] | None, templates: Path = TEMPLATES) -> None:
        """`fonts`: a regular and a bold TTF file (None: the PDF core font, Latin-1 only)."""
        self._env = Environment(
            loader=FileSystemLoader(templates),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # Plain text for a PDF, never HTML: there is nothing to escape.
            autoescape=False,  # noqa: S701
        )
        self._env.filters.update(
            request_words=lambda r: _REQUESTS.get(RequestedAction(r), str(r)),
            answer_words=lambda a: _ANSWERS[Answer(a)],
            warrant_words=lambda w: _WARRANTS.get(Warrant(w), str(w)),
            continued=_continued,
        )
        self._fonts = fonts

    def templates(self) -> list[str]:
        """The names of the notice templates on offer (what packs may name)."""
        return sorted(
            name.removesuffix(".txt.j2")
            for name in self._env.list_templates(extensions=["j2"])
            if name != "base.txt.j2"
        )

    def text(self, document: NoticeDocument) -> str:
        """The notice's words, before layout."""
        zone = ZoneInfo(document.notice.timezone)
        env = self._env.overlay()
        env.filters.update(
            when=lambda at: _when(at, zone),
            day=lambda at: at.astimezone(zone).strftime("%d %B %Y").lstrip("0"),
        )
        name = f"{document.notice.template}.txt.j2"
        try:
            template = env.get_template(name)
        except TemplateNotFound as e:
            raise NoticeRenderError(
                f"notice [{document.notice.id}]: template [{document.notice.template}] does not exist"
            ) from e
        return template.render(**_fields(document))

    def render(self, document: NoticeDocument) -> bytes:
        return self._layout(self.text(document), document)

    # -- layout ---------------------------------------------------------------------

    def _layout(self, text: str, document: NoticeDocument) -> bytes:
        pdf = FPDF(format="Letter")
        pdf.set_creation_date(document.issued_at)
        pdf.set_creator("detainers")
        pdf.set_lang("en")
        pdf.set_margins(22, 20, 22)
        pdf.set_auto_page_break(auto=True, margin=18)
        family = self._font_family(pdf, text)
        plain = family == CORE_FAMILY
        pdf.add_page()
        size = 11.0
        for raw in text.splitlines():
            line = raw.rstrip()
            if plain:
                line = line.encode("latin-1", "replace").decode("latin-1")
            if not line:
                pdf.ln(2.5)
            elif line.startswith("# "):
                pdf.set_title(line[2:])
                pdf.set_font(family, "B", 15)
                pdf.multi_cell(0, 7.5, line[2:], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
                pdf.ln(2)
            elif line.startswith("## "):
                pdf.ln(1.5)
                pdf.set_font(family, "B", 12)
                pdf.multi_cell(0, 6.5, line[3:], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            elif line == "---":
                pdf.ln(3)
                pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
                pdf.ln(2)
                size = 8.5
            elif line.startswith("- "):
                pdf.set_font(family, "", size)
                pdf.set_x(pdf.l_margin + 4)
                bullet = "-" if plain else "•"
                pdf.multi_cell(
                    0,
                    size * 0.5,
                    f"{bullet}  {line[2:]}",
                    new_x=XPos.LMARGIN,
                    new_y=YPos.NEXT,
                    align="L",
                )
            else:
                pdf.set_font(family, "", size)
                pdf.multi_cell(0, size * 0.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        return bytes(pdf.output())

    def _font_family(self, pdf: FPDF, text: str) -> str:
        if self._fonts is None or _latin1(text):
            return CORE_FAMILY
        regular, bold = self._fonts
        pdf.add_font(FAMILY, "", str(regular))
        pdf.add_font(FAMILY, "B", str(bold))
        return FAMILY


def pdf_renderer() -> PdfNoticeRenderer:
    """The renderer with the system's Unicode font if there is one."""
    return PdfNoticeRenderer(fonts=find_fonts())


def _continued(sentence: str) -> str:
    """A sentence made to follow a colon: "Tell the person" becomes "tell the person" (not "ICE")."""
    if len(sentence) > 1 and sentence[0].isupper() and sentence[1].islower():
        return sentence[0].lower() + sentence[1:]
    return sentence


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _when(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{local.strftime('%d %B %Y, %H:%M').lstrip('0')} ({zone.key} time)"


def _fields(document: NoticeDocument) -> dict[str, Any]:
    """The document's fields as template variables (`notice.citation` and so on)."""
    return {f.name: getattr(document, f.name) for f in fields(document)}
