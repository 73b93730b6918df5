"""The printable notice: a real PDF whose text says who, where, what the detainer asks, what the
facility will do, under which law, and (for staff) how sure the research is."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from detainers.adapters.notices.pdf import NoticeRenderError, PdfNoticeRenderer, find_fonts
from detainers.domain.person_notice import Answer, NoticeDocument, NoticeTrigger
from detainers.domain.vocabulary import RequestedAction
from detainers.policy.engine import RulesEngine
from detainers.policy.registry import load_registry

ENGINE = RulesEngine(load_registry())
FONTS = find_fonts()
RENDERER = PdfNoticeRenderer(fonts=FONTS)
ISSUED = datetime(2024, 2, 1, 14, 30, tzinfo=UTC)
BOTH = (RequestedAction.HOLD, RequestedAction.NOTIFY)


def document(
    code: str = "US-CT",
    day: date = date(2024, 2, 1),
    trigger: NoticeTrigger = NoticeTrigger.DETAINER_RECEIVED,
    *,
    answers: tuple[Answer, Answer] | None = None,
    **changes: object,
) -> NoticeDocument:
    notice = ENGINE.notices(code, day, trigger)[0]
    doc = NoticeDocument(
        notice=notice,
        person_name="NGUYỄN, Thị Ánh",
        facility_code="CT-DOC-HCC",
        facility_name="Hartford Correctional Center",
        agency_code="ERO-BOS",
        agency_name="Boston Field Office",
        issued_at=ISSUED,
        detainer_id="det-0001",
        form="I-247A",
        warrant="I-200",
        lodged_at=ISSUED,
        answers=tuple(zip(BOTH, answers or (Answer.NOT_DECIDED,) * 2, strict=True)),
        decided=answers is not None,
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_a_notice_is_a_pdf_naming_the_person_the_facility_the_date_and_the_law() -> None:
    pdf = RENDERER.render(document())
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for expected in (
        "an immigration detainer was lodged for you",
        "Hartford Correctional Center (CT-DOC-HCC)",
        "1 February 2024, 09:30 (America/New_York time)",  # the facility's local time
        "Boston Field Office (ERO-BOS)",
        "Form: I-247A",
        "signed by an immigration officer, not a judge",
        "The facility has not decided yet",
        "Conn. Gen. Stat. 54-192h as amended by PA 19-20 and PA 19-23",
        "us-ct.2019.notice.detainer-copy",
        "legal research marking PARTIAL (check the official text)",
    ):
        assert expected in text, expected


@pytest.mark.skipif(FONTS is None, reason="no Unicode font (DejaVu Sans) on this machine")
def test_the_name_is_printed_as_booked_whatever_its_alphabet() -> None:
    pdf = RENDERER.render(document())
    assert "NGUYỄN, Thị Ánh" in text_of(pdf)
    assert b"/FontFile2" in pdf  # the Unicode font travels with the notice


def test_a_notice_in_latin_1_needs_no_embedded_font() -> None:
    pdf = RENDERER.render(document(person_name="MÜLLER GARCÍA, José"))
    assert "MÜLLER GARCÍA, José" in text_of(pdf)
    assert b"/FontFile2" not in pdf


def test_without_a_unicode_font_the_notice_still_prints_in_the_core_font() -> None:
    pdf = PdfNoticeRenderer(fonts=None).render(document())
    text = text_of(pdf)
    assert pdf.startswith(b"%PDF-")
    assert "NGUY?N, Th? Ánh" in text
    assert "Conn. Gen. Stat. 54-192h" in text


def test_the_decision_notice_says_what_the_facility_will_and_will_not_do() -> None:
    doc = document(trigger=NoticeTrigger.DECISION_RECORDED, answers=(Answer.WILL_NOT, Answer.WILL))
    text = text_of(RENDERER.render(doc))
    assert "the facility's decision on the immigration detainer" in text
    assert "keep you in custody after you would otherwise be released" in text
    assert "for a limited time: the facility will NOT do this" in text
    assert "tell the agency the date and time of your release: the facility WILL do this" in text
    assert "has not decided yet" not in text


def test_the_release_date_notice_gives_the_date_and_asks_for_a_copy_to_the_attorney() -> None:
    release = datetime(2024, 3, 1, 17, 0, tzinfo=UTC)
    doc = document(
        "US-CA",
        date(2024, 2, 1),
        NoticeTrigger.RELEASE_NOTICE_SENT,
        answers=(Answer.WILL_NOT, Answer.WILL),
        release_at=release,
    )
    text = text_of(RENDERER.render(doc))
    assert "your release date was given to immigration authorities" in text
    assert "1 March 2024, 09:00 (America/Los_Angeles time)" in text
    assert "Gov. Code 7283.1(b) (TRUTH Act)" in text
    assert "attorney" in text
    assert "legal research marking CONFIRMED." in text


def test_the_texas_hold_notice_gives_the_latest_end_and_the_lawful_status_exception() -> None:
    doc = document(
        "US-TX",
        date(2024, 2, 1),
        NoticeTrigger.HOLD_STARTED,
        answers=(Answer.WILL, Answer.WILL),
        hold_deadline_at=datetime(2024, 2, 3, 14, 30, tzinfo=UTC),
    )
    text = text_of(RENDERER.render(doc))
    assert "you are being held on an immigration detainer" in text
    assert "until 3 February 2024, 08:30 (America/Chicago time) at the latest" in text
    assert "United States citizen or have lawful immigration status" in text
    assert "CCP art. 2.251(a)(2) (SB 4)" in text


def test_where_the_law_names_languages_the_notice_says_so() -> None:
    doc = document()
    named = replace(doc, notice=replace(doc.notice, languages=("English", "Spanish", "Tagalog")))
    assert "available in: English, Spanish, Tagalog" in text_of(RENDERER.render(named))
    assert "Languages" not in text_of(RENDERER.render(doc))


def test_the_same_notice_renders_to_the_same_bytes() -> None:
    assert RENDERER.render(document()) == RENDERER.render(document())


def test_every_template_a_shipped_pack_names_exists() -> None:
    named = {n.template for p in ENGINE.registry for v in p.versions for n in v.notices}
    assert named
    assert named <= set(RENDERER.templates())


def test_a_notice_naming_a_template_that_does_not_exist_is_an_error_naming_it() -> None:
    doc = document()
    missing = replace(doc, notice=replace(doc.notice, template="no_such_notice"))
    with pytest.raises(NoticeRenderError, match=r"template \[no_such_notice\] does not exist"):
        RENDERER.render(missing)
