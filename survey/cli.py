"""The ``survey`` console command: init, import, list, export, and Flask's own run/shell."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from survey.db import Database
from survey.migrate import upgrade_database
from survey.questionnaire import QuestionnaireError, load_questionnaire_path
from survey.questionnaire_store import import_questionnaire, list_questionnaires


def _database() -> Database:
    return current_app.extensions["survey.db"]


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database or upgrade it to the newest schema (safe to repeat)."""
    database = _database()
    upgrade_database(database.engine)
    click.echo(f"Database ready: {database.engine.url.render_as_string(hide_password=True)}")


def _import_paths(paths: list[Path]) -> None:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    loaded = []
    failed = False
    for file in files:
        try:
            result = load_questionnaire_path(file)  # YAML or XLSForm (.xlsx)
        except QuestionnaireError as error:
            click.echo(str(error), err=True)
            failed = True
            continue
        for warning in result.warnings:
            click.echo(warning.format(result.source_name), err=True)
        loaded.append(result)
    if failed:
        # A rejected file changes nothing: not even the valid files given with it are stored.
        raise click.ClickException("nothing was imported; fix the errors above and try again")
    with _database().session_factory() as session:
        results = [import_questionnaire(session, item) for item in loaded]
        session.commit()
    for result in results:
        state = "imported as version" if result.created else "unchanged, version"
        click.echo(f"{result.slug}\t{state} {result.version_number}")


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def import_command(paths: tuple[Path, ...]) -> None:
    """Validate and import questionnaire files (.yaml, or XLSForm .xlsx; a folder: every *.yaml
    in it); prints each slug."""
    _import_paths(list(paths))


@click.command("import-bundled")
@with_appcontext
def import_bundled_command() -> None:
    """Import the questionnaires bundled in SURVEY_QUESTIONNAIRE_DIR."""
    _import_paths([Path(current_app.config["QUESTIONNAIRE_DIR"])])


@click.command("list")
@with_appcontext
def list_command() -> None:
    """List questionnaires with their newest version and number of responses."""
    with _database().session_factory() as session:
        summaries = list_questionnaires(session)
    if not summaries:
        click.echo("No questionnaires yet. Import one with: survey import questionnaires/")
        return
    click.echo("slug\tversion\tresponses\ttitle")
    for item in summaries:
        click.echo(f"{item.slug}\t{item.version_number}\t{item.responses}\t{item.title}")


@click.command("export")
@click.argument("slug")
@click.option("--format", "export_format", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file ('-' for standard output). Default: a new file in exports/.")
@click.option("--bom/--no-bom", default=False, help="Start with a UTF-8 byte order mark (for Excel).")
@click.option("--delimiter", type=click.Choice([",", ";"]), default=",", show_default=True, help="';' for German Excel.")
@with_appcontext
def export_command(slug: str, export_format: str, out: Path | None, bom: bool, delimiter: str) -> None:
    """Export the submitted responses of a questionnaire."""
    from survey.exports.csv_export import write_csv
    from survey.exports.source import UnknownQuestionnaire, iter_records, versions_newest_first

    with _database().session_factory() as session:
        try:
            versions = versions_newest_first(session, slug)
        except UnknownQuestionnaire:
            raise click.ClickException(f"no questionnaire with the slug '{slug}'; see: survey list") from None
        if out is None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            out = Path(current_app.config["EXPORT_DIR"]) / f"{slug}-{stamp}.{export_format}"
        encoding = "utf-8-sig" if bom else "utf-8"
        if str(out) == "-":
            sys.stdout.reconfigure(encoding=encoding, newline="")  # type: ignore[union-attr]
            count = write_csv(sys.stdout, versions, iter_records(session, slug), delimiter)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        with open(partial, "w", encoding=encoding, newline="") as handle:
            count = write_csv(handle, versions, iter_records(session, slug), delimiter)
        partial.replace(out)  # never leave a half-written file under the final name
    click.echo(f"{count} responses written to {out}", err=True)
    click.echo(str(out))


@click.command("delete-expired-drafts")
@with_appcontext
def delete_expired_drafts_command() -> None:
    """Delete drafts not saved for SURVEY_DRAFT_RETENTION_DAYS days."""
    from survey.responses import delete_expired_drafts

    with _database().session_factory() as session:
        count = delete_expired_drafts(session, int(current_app.config["DRAFT_RETENTION_DAYS"]))
        session.commit()
    click.echo(f"{count} expired drafts deleted")


@click.command("links")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@with_appcontext
def links_command(base_url: str) -> None:
    """Print the respondent link of every questionnaire."""
    with _database().session_factory() as session:
        for item in list_questionnaires(session):
            click.echo(f"{item.title}: {base_url.rstrip('/')}/s/{item.slug}/")


@click.command("create-user")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["admin", "designer", "analyst"]), help="Repeat for several roles.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt.")
@with_appcontext
def create_user_command(email: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create a staff account; the password is asked for (never given on the command line)."""
    from survey import accounts, audit

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _database().session_factory() as session:
        try:
            user = accounts.create_user(session, email, password, list(roles))
        except accounts.AccountError as error:
            raise click.ClickException(str(error)) from None
        audit.record(session, "cli", "user_created", user.email, roles=user.roles)
        session.commit()
    click.echo(f"created {user.email} ({user.roles})")


@click.command("create-first-admin")
@click.option("--email", default="admin@musterstadt.example", show_default=True)
@with_appcontext
def create_first_admin_command(email: str) -> None:
    """Once, when there is no staff account yet: create an admin and print a one-time password."""
    from survey import accounts, audit

    with _database().session_factory() as session:
        if accounts.count_users(session) > 0:
            return  # silent: `make run` calls this every time
        password = accounts.generate_password()
        user = accounts.create_user(session, email, password, ["admin", "designer", "analyst"], must_change_password=True)
        audit.record(session, "cli", "user_created", user.email, roles=user.roles, first_admin=True)
        session.commit()
    click.echo(f"First staff account: {email}")
    click.echo(f"One-time password:   {password}   (shown once; you choose your own at the first login)")


@click.command("export-form")
@click.argument("slug")
@click.option("--format", "form_format", type=click.Choice(["xlsform", "yaml"]), default="xlsform", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file ('-' for standard output). Default: a new file in exports/.")
@with_appcontext
def export_form_command(slug: str, form_format: str, out: Path | None) -> None:
    """Write the newest version of a questionnaire as an XLSForm workbook or as YAML."""
    from survey.questionnaire.writer_xlsform import write_xlsform
    from survey.questionnaire.xlsform_expressions import ExpressionError
    from survey.questionnaire_store import newest_version, questionnaire_for_version

    with _database().session_factory() as session:
        version = newest_version(session, slug)
        if version is None:
            raise click.ClickException(f"no questionnaire with the slug '{slug}'; see: survey list")
        if form_format == "yaml":
            # The stored source: a YAML file exactly as imported; an XLSForm as converted to YAML.
            data = version.source.encode("utf-8")
        else:
            try:
                data = write_xlsform(questionnaire_for_version(version))
            except ExpressionError as error:
                raise click.ClickException(f"cannot write an XLSForm: {error}") from None
        number = version.number
    if out is None:
        out = Path(current_app.config["EXPORT_DIR"]) / f"{slug}-v{number}.{'xlsx' if form_format == 'xlsform' else 'yaml'}"
    if str(out) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(data)
    partial.replace(out)
    click.echo(f"version {number} of {slug} written to {out}", err=True)
    click.echo(str(out))


COMMANDS = [create_user_command, create_first_admin_command, init_command, import_command, import_bundled_command, list_command, export_command,
            delete_expired_drafts_command, links_command, export_form_command]


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from survey import create_app
    return create_app()


main = FlaskGroup(create_app=_create_app, add_version_option=False, help="KIM needs assessment survey.")
