"""`detainers endpoints`: where an agency's or facility's messages go (webhook or e-mail).

A webhook's secret is written, never shown again: listings say only whether
one is set, and until when the secret it replaced still signs (a day after a
change, so the receiver can switch without losing a message). Commands here
act as the system.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from detainers.domain.errors import InvalidValue
from detainers.domain.notification import Audience, Channel, Endpoint
from detainers.entrypoints.cli.common import application, console, print_json
from detainers.entrypoints.cli.render import when
from detainers.entrypoints.cli.views import iso
from detainers.services import inbox

app = typer.Typer(help="Where agencies' and facilities' messages go.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for machines")]
AgencyOption = Annotated[str | None, typer.Option("--agency", help="An agency's code")]
FacilityOption = Annotated[str | None, typer.Option("--facility", help="A facility's code")]


def owner(agency: str | None, facility: str | None) -> tuple[Audience, str]:
    """The one organization named by `--agency` or `--facility` (exactly one of them)."""
    if agency and facility:
        raise InvalidValue(
            field="--facility", value=facility, problem="goes with no --agency: give one of them"
        )
    if agency:
        return Audience.AGENCY, agency
    if facility:
        return Audience.FACILITY, facility
    raise InvalidValue(
        field="--agency", value="", problem="is needed (or --facility): name the organization"
    )


def endpoint_view(e: Endpoint) -> dict[str, Any]:
    """An endpoint for `--json`: never its secrets."""
    return {
        "audience": e.audience.value,
        "owner_code": e.owner_code,
        "channel": e.channel.value,
        "target": e.target,
        "secret_set": bool(e.secret),
        "previous_secret_until": iso(e.previous_until) if e.previous_secret else None,
        "updated_at": iso(e.updated_at),
    }


def _channel(url: str | None, email: str | None, secret: str | None) -> tuple[Channel, str]:
    if url and email:
        raise InvalidValue(field="--email", value=email, problem="goes with no --url: give one")
    if email:
        if secret is not None:
            raise InvalidValue(
                field="--secret", value="(hidden)", problem="is for a webhook (--url) only"
            )
        return Channel.EMAIL, email
    if url:
        return Channel.WEBHOOK, url
    raise InvalidValue(
        field="--url", value="", problem="is needed (or --email): say where messages go"
    )


def _secret(given: str | None, from_stdin: bool) -> str | None:
    if not from_stdin:
        return given
    if given is not None:
        raise InvalidValue(
            field="--secret-stdin", value="", problem="goes with no --secret: give one of them"
        )
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InvalidValue(
            field="--secret-stdin", value="", problem="found no line on standard input"
        )
    return line


@app.command("set")
def set_(
    ctx: typer.Context,
    agency: AgencyOption = None,
    facility: FacilityOption = None,
    url: Annotated[
        str | None, typer.Option("--url", help="A webhook: the receiver's http(s) URL")
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option("--secret", help="The webhook's signing secret (16+ characters, whsec_...)"),
    ] = None,
    secret_stdin: Annotated[
        bool,
        typer.Option("--secret-stdin", help="Read the secret from one line of stdin instead"),
    ] = False,
    email: Annotated[str | None, typer.Option("--email", help="An e-mail address")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Set an organization's webhook (--url and a secret) or e-mail address (--email)."""
    audience, code = owner(agency, facility)
    signing = _secret(secret, secret_stdin)
    channel, target = _channel(url, email, signing)
    command = inbox.SetEndpoint(
        audience=audience, owner_code=code, channel=channel, target=target, secret=signing
    )
    with application(ctx) as wired:
        endpoint = inbox.set_endpoint(command, wired.context)
    if as_json:
        print_json(endpoint_view(endpoint))
        return
    signed = "secret set" if endpoint.secret else "no secret"
    if endpoint.previous_secret and endpoint.previous_until:
        signed += f"; the previous secret signs until {when(endpoint.previous_until)}"
    typer.echo(f"{audience} {code}: {channel} → {endpoint.target} ({signed})")


@app.command("list")
def list_(
    ctx: typer.Context,
    agency: AgencyOption = None,
    facility: FacilityOption = None,
    as_json: JsonFlag = False,
) -> None:
    """An organization's endpoints (channel, target, whether a secret is set; never the secret)."""
    audience, code = owner(agency, facility)
    with application(ctx) as wired:
        found = inbox.endpoints_of(audience, code, wired.context)
    if as_json:
        print_json([endpoint_view(e) for e in found])
        return
    table = Table(title=f"{len(found)} endpoints of {audience} {code}", title_justify="left")
    for column in ("channel", "target", "secret", "previous secret signs until", "updated"):
        table.add_column(column, overflow="fold")
    for e in found:
        table.add_row(
            e.channel.value,
            e.target,
            "set" if e.secret else "—",
            when(e.previous_until if e.previous_secret else None),
            when(e.updated_at),
        )
    console().print(table)
