"""`detainers users` and `detainers keys` as an operator runs them: a real process, a real database.

Secrets (a TOTP secret, an API key) appear once, in the output of the command
that made them, and never in a listing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detainers.entrypoints.cli.app import app

PASSWORD = "correct horse battery staple"


def detainers(
    *args: str, data_dir: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DETAINERS_")}
    environment["DETAINERS_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "detainers", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "var"
    upgraded = detainers("db", "upgrade", data_dir=data)
    assert upgraded.returncode == 0, upgraded.stderr
    return data


def test_users_create_from_stdin_prints_the_totp_secret_once_as_json(data_dir: Path) -> None:
    created = detainers(
        "users",
        "create",
        "--username",
        "ana.admin",
        "--role",
        "admin",
        "--password-stdin",
        "--json",
        data_dir=data_dir,
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    shown = json.loads(created.stdout)
    assert set(shown) == {"id", "username", "role", "totp_secret", "otpauth_uri"}
    assert (shown["username"], shown["role"]) == ("ana.admin", "admin")
    secret = shown["totp_secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert shown["otpauth_uri"] == (
        f"otpauth://totp/detainers:ana.admin?secret={secret}&issuer=detainers"
    )

    for listing in (("users", "list"), ("users", "list", "--json")):
        listed = detainers(*listing, data_dir=data_dir)
        assert listed.returncode == 0, listed.stderr
        assert "ana.admin" in listed.stdout
        for never in (secret, PASSWORD, "$argon2", "password_hash", "totp"):
            assert never not in listed.stdout
    [row] = json.loads(detainers("users", "list", "--json", data_dir=data_dir).stdout)
    assert row["username"] == "ana.admin"
    assert (row["disabled_at"], row["locked_until"], row["failed_logins"]) == (None, None, 0)


def test_users_create_for_people_says_the_secret_will_not_be_shown_again(data_dir: Path) -> None:
    created = detainers(
        "users",
        "create",
        "--username",
        "bo.auditor",
        "--role",
        "auditor",
        "--password-stdin",
        data_dir=data_dir,
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    assert "TOTP secret: " in created.stdout
    assert "otpauth://totp/detainers:bo.auditor?secret=" in created.stdout
    assert "will not be shown again" in created.stdout


def test_a_duplicate_username_or_a_common_password_is_refused(data_dir: Path) -> None:
    args = ("users", "create", "--username", "ana.admin", "--role", "admin", "--password-stdin")
    assert detainers(*args, data_dir=data_dir, stdin=PASSWORD + "\n").returncode == 0

    again = detainers(*args, data_dir=data_dir, stdin=PASSWORD + "\n")
    assert again.returncode == 4
    assert again.stderr.strip() == "error: account [ana.admin] already exists"

    common = detainers(
        "users",
        "create",
        "--username",
        "bo.admin",
        "--role",
        "admin",
        "--password-stdin",
        data_dir=data_dir,
        stdin="password1234\n",
    )
    assert common.returncode == 2
    assert "common or breached" in common.stderr
    assert "password1234" not in common.stderr


def test_a_bad_role_or_tenant_names_the_option_and_an_unknown_facility_is_not_found(
    data_dir: Path,
) -> None:
    role = detainers("users", "create", "--username", "x.y", "--role", "root", data_dir=data_dir)
    assert role.returncode == 2
    assert role.stderr.strip() == (
        "error: --role: [root] is not one of "
        "[facility_staff | facility_supervisor | agency_officer | auditor | admin]"
    )

    missing = detainers(
        "keys", "create", "--name", "feed", "--role", "facility_staff", data_dir=data_dir
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: --facility: ")

    stray = detainers(
        "keys", "create", "--name", "feed", "--role", "auditor", "--agency", "X", data_dir=data_dir
    )
    assert stray.returncode == 2
    assert stray.stderr.startswith("error: --agency: [X] is not taken by role [auditor]")

    unknown = detainers(
        "keys",
        "create",
        "--name",
        "feed",
        "--role",
        "facility_staff",
        "--facility",
        "XX-NONE",
        data_dir=data_dir,
    )
    assert unknown.returncode == 3
    assert unknown.stderr.strip() == "error: no facility [XX-NONE]"


def test_keys_create_gives_the_key_once_and_list_and_revoke_never_show_it(
    data_dir: Path,
) -> None:
    created = detainers(
        "keys",
        "create",
        "--name",
        "audit feed",
        "--role",
        "auditor",
        "--expires-days",
        "30",
        "--json",
        data_dir=data_dir,
    )
    assert created.returncode == 0, created.stderr
    shown = json.loads(created.stdout)
    assert set(shown) == {"key", "id", "prefix", "role", "expires_at"}
    key, prefix = shown["key"], shown["prefix"]
    assert re.fullmatch(rf"dk_{prefix}_[A-Za-z0-9_-]{{43}}", key)
    assert shown["role"] == "auditor"
    assert shown["expires_at"] is not None

    people = detainers("keys", "create", "--name", "ops", "--role", "admin", data_dir=data_dir)
    assert people.returncode == 0, people.stderr
    assert "will not be shown again" in people.stdout
    second_key = re.search(r"dk_[0-9a-f]{12}_\S+", people.stdout)
    assert second_key is not None

    listed = detainers("keys", "list", "--json", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert (rows[0]["prefix"], rows[0]["name"], rows[0]["revoked_at"]) == (
        prefix,
        "audit feed",
        None,
    )
    assert set(rows[0]) == {
        "prefix",
        "name",
        "role",
        "tenant",
        "created_at",
        "expires_at",
        "revoked_at",
    }
    for listing in (listed.stdout, detainers("keys", "list", data_dir=data_dir).stdout):
        assert key not in listing
        assert second_key.group() not in listing
        assert key.split("_", 2)[2] not in listing

    revoked = detainers("keys", "revoke", prefix, data_dir=data_dir)
    assert revoked.returncode == 0, revoked.stderr
    assert f"key {prefix} (audit feed) revoked" in revoked.stdout
    [row] = [
        r
        for r in json.loads(detainers("keys", "list", "--json", data_dir=data_dir).stdout)
        if r["prefix"] == prefix
    ]
    assert row["revoked_at"] is not None

    unknown = detainers("keys", "revoke", "000000000000", data_dir=data_dir)
    assert unknown.returncode == 3
    assert unknown.stderr.strip() == "error: no key [000000000000]"


def test_disable_unlock_and_end_sessions_act_on_a_named_account(data_dir: Path) -> None:
    detainers(
        "users",
        "create",
        "--username",
        "ana.admin",
        "--role",
        "admin",
        "--password-stdin",
        data_dir=data_dir,
        stdin=PASSWORD + "\n",
    )
    ended = detainers("users", "end-sessions", "ana.admin", data_dir=data_dir)
    assert (ended.returncode, ended.stdout.strip()) == (0, "0 session(s) of ana.admin ended")
    unlocked = detainers("users", "unlock", "ana.admin", data_dir=data_dir)
    assert (unlocked.returncode, unlocked.stdout.strip()) == (0, "account ana.admin unlocked")
    disabled = detainers("users", "disable", "ana.admin", data_dir=data_dir)
    assert disabled.returncode == 0, disabled.stderr
    assert disabled.stdout.strip() == "account ana.admin disabled; 0 session(s) ended"
    [row] = json.loads(detainers("users", "list", "--json", data_dir=data_dir).stdout)
    assert row["disabled_at"] is not None

    for command in ("disable", "unlock", "end-sessions"):
        missing = detainers("users", command, "nobody", data_dir=data_dir)
        assert missing.returncode == 3
        assert missing.stderr.strip() == "error: no account [nobody]"


def test_users_create_asks_for_the_password_twice_without_echo(data_dir: Path) -> None:
    runner = CliRunner()
    database = f"sqlite:///{data_dir / 'detainers.db'}"
    args = ["--database-url", database, "users", "create", "--role", "admin", "--json"]

    typo = runner.invoke(app, [*args, "--username", "ana.admin"], input=f"{PASSWORD}\nother\n")
    assert typo.exit_code != 0
    assert "do not match" in typo.stderr

    created = runner.invoke(
        app, [*args, "--username", "ana.admin"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert created.exit_code == 0, created.stderr
    assert PASSWORD not in created.stdout + created.stderr
    assert json.loads(created.stdout)["username"] == "ana.admin"
    assert "Password" in created.stderr
