"""`detainers inbox`: a facility's or agency's in-app messages, newest first, for operators.

What staff and officers read over the API, read here by whoever runs the
system: to see what a facility has not yet acknowledged, or why a notice was
withheld. Reading is audited; nothing here acknowledges a message.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from detainers.domain.notification import Message
from detainers.entrypoints.cli.common import application, console, print_json
from detainers.entrypoints.cli.endpoints import AgencyOption, FacilityOption, JsonFlag, owner
from detainers.entrypoints.cli.render import when
from detainers.entrypoints.cli.views import iso
from detainers.services import inbox as mailbox

app = typer.Typer(help="A facility's or agency's in-app messages.")


def message_view(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "type": m.type.value,
        "description": m.type.description,
        "subject": m.subject,
        "data": dict(m.data),
        "created_at": iso(m.created_at),
        "status": m.status.value,
        "reason": m.reason,
        "acknowledged_at": iso(m.acknowledged_at),
        "acknowledged_by": m.acknowledged_by,
    }


@app.callback(invoke_without_command=True)
def inbox(
    ctx: typer.Context,
    agency: AgencyOption = None,
    facility: FacilityOption = None,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only messages nobody has acknowledged yet")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """List an inbox, newest first: what happened, about which detainer, and who acknowledged it."""
    audience, code = owner(agency, facility)
    query = mailbox.InboxQuery(open_only=open_only, limit=limit, mailbox=(audience, code))
    with application(ctx) as wired:
        found = mailbox.inbox(query, wired.context)
    if as_json:
        print_json([message_view(m) for m in found])
        return
    out = console()
    out.print(
        f"{len(found)} {'open ' if open_only else ''}messages for {audience} {code}, newest first",
        markup=False,
    )
    for m in found:
        # A block per message, not a table: ids and reasons stay whole at any width.
        lines = [
            "",
            f"{when(m.created_at)}  {m.type.value.removeprefix('org.detainers.')}  [{m.status}]",
            f"    detainer {m.subject}  message {m.id}",
            f"    {m.reason or m.type.description}",
        ]
        if m.acknowledged_at is not None:
            lines.append(f"    acknowledged {when(m.acknowledged_at)} by {m.acknowledged_by}")
        for line in lines:
            out.print(line, markup=False, highlight=False)
