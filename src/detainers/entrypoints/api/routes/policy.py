"""`POST /api/v1/policy/evaluate`: the case contract of DESIGN.md over HTTP. Stores nothing.

The request model documents the contract in the OpenAPI document and
refuses unknown keys; the engine's own parser then reads it as strictly as
the command line does, so both give the same answer and the same errors.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from detainers.domain.vocabulary import (
    ChargeClass,
    ChargeStatus,
    DetainerForm,
    FacilityType,
    ProbableCause,
    Program287g,
    ReleaseReason,
    RequestedAction,
    SubjectFlag,
    Warrant,
)
from detainers.entrypoints.api.deps import application, permission
from detainers.entrypoints.api.schemas import LawOut, RemedyOut, RulingOut
from detainers.policy.contract import evaluate_document
from detainers.services.authz import Permission
from detainers.services.context import Context

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])

_DATE = r"^\d{4}-\d{2}-\d{2}$"
_DATE_OR_TIME = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?)?$"


class _Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CaseFacility(_Contract):
    type: FacilityType
    program_287g: Program287g


class CaseDetainer(_Contract):
    form: DetainerForm
    probable_cause: list[ProbableCause] = []
    warrant: Warrant
    requests: list[RequestedAction]
    lodged_date: str | None = Field(default=None, pattern=_DATE)
    served_on_subject: bool | None = None
    dhs_transferred: bool | None = None
    cancelled: bool | None = None


class CaseCharge(_Contract):
    statute: str = Field(min_length=1, max_length=200)
    charge_class: ChargeClass | None = Field(default=None, alias="class")
    status: ChargeStatus = ChargeStatus.PENDING
    description: str | None = Field(default=None, max_length=500)
    tags: list[str] = Field(default=[], max_length=20)
    probable_cause_finding: bool | None = None


class CaseConviction(_Contract):
    statute: str = Field(min_length=1, max_length=200)
    charge_class: ChargeClass | None = Field(default=None, alias="class")
    date: str = Field(pattern=_DATE)
    jurisdiction: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=500)
    status: str | None = Field(default=None, max_length=20)
    tags: list[str] = Field(default=[], max_length=20)


class CaseSubject(_Contract):
    charges: list[CaseCharge] = Field(default=[], max_length=100)
    convictions: list[CaseConviction] = Field(default=[], max_length=100)
    flags: list[SubjectFlag] = []


class CaseIn(_Contract):
    """A case (DESIGN.md, "The case contract"); a missing optional key means "not known"."""

    jurisdiction: str = Field(min_length=2, max_length=40, examples=["US-CT"])
    as_of: str = Field(pattern=_DATE_OR_TIME, examples=["2024-02-01"])
    releasable_at: str | None = Field(default=None, pattern=_DATE_OR_TIME)
    release_reason: ReleaseReason | None = None
    facility: CaseFacility
    detainer: CaseDetainer
    subject: CaseSubject = CaseSubject()


class HoldUntil(BaseModel):
    until: str | None


class DecisionDocument(BaseModel):
    """Each action's effect with reasons and citations, the hold's latest end, remedies, laws."""

    jurisdiction: str
    as_of: str
    actions: dict[str, RulingOut]
    hold: HoldUntil
    remedies: list[RemedyOut]
    laws: list[LawOut]


@router.post(
    "/evaluate",
    response_model=DecisionDocument,
    operation_id="evaluateCase",
    summary="What the law says about a case on its date (stores nothing)",
)
def evaluate(
    body: CaseIn,
    request: Request,
    ctx: Annotated[Context, Depends(permission(Permission.POLICY_EVALUATE))],
) -> DecisionDocument:
    raw = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    document = evaluate_document(application(request).rules, raw)
    return DecisionDocument.model_validate(document)
