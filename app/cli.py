"""flask commands: demo data, user accounts, the worker and breakout allocation."""
import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.auth.services import AccountError
from app.auth.services import create_user as create
from app.demo import load_demo
from app.domain.allocation import (ProblemError, allocation_to_dict, compute_allocation,
                                   problem_from_dict)
from app.jobs import run_worker
from app.models import Role
from app.records.services import run_retention


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(demo)
    app.cli.add_command(users)
    app.cli.add_command(retention)
    app.cli.add_command(worker)
    app.cli.add_command(breakouts)


@click.command("demo")
def demo():
    """Load the demo series, editions and accounts (idempotent; development only)."""
    if not current_app.config.get("DEMO_ENABLED"):
        raise click.ClickException("demo data is for development only (DEMO_ENABLED is off)")
    accounts = load_demo()
    click.echo("Demo data loaded. Sign in at http://127.0.0.1:5000/manage/login with:")
    for email, role, password in accounts:
        click.echo(f"  {role:<12} {email:<32} password: {password}")


users = AppGroup("users", help="Manage staff accounts.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default=None, help="Display name (default: the part before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, role: str, name: str | None, password_stdin: bool):
    """Create an account; asks for the password unless --password-stdin is given."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create(email, name or email.split("@")[0], Role(role), password)
    except ValueError as exc:
        raise click.ClickException(f"invalid e-mail address: {exc}")
    except AccountError as exc:
        raise click.ClickException(str(exc.message))
    click.echo(f"Created {user.role.value} account {user.email}.")


@click.command("worker")
@click.option("--once", is_flag=True, help="Send everything due now, then exit.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds to wait between cycles when nothing is due.")
def worker(once: bool, interval: float):
    """Send the outbox and run the due jobs (app/jobs.py), until SIGTERM/SIGINT."""
    app = current_app._get_current_object()
    if not once:
        click.echo(f"Worker running (every {interval:g} s); stop with Ctrl+C or SIGTERM.")
    sent = run_worker(app, once=once, interval=interval)
    click.echo(f"Worker stopped; {sent} mail(s) sent.")


breakouts = AppGroup("breakouts", help="Breakout group allocation.")


@breakouts.command("solve")
@click.argument("problem_file", type=click.File("r", encoding="utf-8"))
@click.option("--gap", type=click.FloatRange(min=0.0), default=None,
              help="Relative gap at which the solver stops "
                   "(default: 0 up to 100 people, else 0.01).")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=300.0, show_default=True,
              help="Safety net in seconds; the solver normally stops on the gap.")
def solve_breakouts(problem_file, gap: float | None, time_limit: float):
    """Allocate the people of a JSON problem file to groups; print the result as JSON.

    Exits with status 1 (still printing a JSON result with an "error") if the problem
    is malformed or its rules cannot all be kept.
    """
    try:
        problem = problem_from_dict(json.load(problem_file))
    except (ValueError, ProblemError) as exc:  # JSONDecodeError is a ValueError
        click.echo(json.dumps({"status": "invalid", "error": {
            "en": f"Not a valid problem file: {exc}",
            "de": f"Keine gültige Problemdatei: {exc}"}}, ensure_ascii=False, indent=2))
        sys.exit(1)
    result = compute_allocation(problem, gap_target=gap, time_limit=time_limit)
    click.echo(json.dumps(allocation_to_dict(result), ensure_ascii=False, indent=2))
    if not result.ok:
        sys.exit(1)


retention = AppGroup("retention", help="Personal data retention (RETENTION_DAYS).")


@retention.command("run")
def run_retention_command():
    """Anonymise the personal data of editions that ended RETENTION_DAYS ago."""
    result = run_retention()
    click.echo(f"Anonymised the data of {result['registrations']} registrations; "
               f"{result['people']} people are now fully anonymised.")

