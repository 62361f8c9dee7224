"""The ``survey`` console command: init, import, list, export, and Flask's own run/shell."""
from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from survey.questionnaire import QuestionnaireError, load_questionnaire_path
from survey.store.accounts import Role
from survey.store.db import Database
from survey.store.migrate import upgrade_database
from survey.store.questionnaires import import_questionnaire, list_questionnaires


def _database() -> Database:
    return current_app.extensions["survey.db"]


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The command's one transaction: committed when the block ends, rolled back when it raises
    (a refusal included, so nothing of a refused command is stored). Operations only flush."""
    with _database().session_factory() as session:
        yield session
        session.commit()


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database or upgrade it to the newest schema (safe to repeat)."""
    database = _database()
    upgrade_database(database.engine)
    from survey.store.municipality import ensure_default_fields

    with unit_of_work() as session:
        ensure_default_fields(session)  # the seven KIM fields, once; a city may change them later
    click.echo(f"Database ready: {database.engine.url.render_as_string(hide_password=True)}")


INCOMPLETE_LEGAL_DETAILS = "--publish-without-legal-details"


def _import_paths(paths: list[Path], without_legal_details: bool = False) -> None:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    loaded = []
    failed = False
    for file in files:
        try:
            found = load_questionnaire_path(file)  # YAML or XLSForm (.xlsx)
        except QuestionnaireError as error:
            click.echo(str(error), err=True)
            failed = True
            continue
        for warning in found.warnings:
            click.echo(str(warning), err=True)
        loaded.append(found)
    if failed:
        # A rejected file changes nothing: not even the valid files given with it are stored.
        raise click.ClickException("nothing was imported; fix the errors above and try again")
    from survey.store import legal_details

    with unit_of_work() as session:
        missing = legal_details.current(session).missing()
        if missing and loaded and not without_legal_details:
            # An import publishes: as in the staff area, not before respondents can read who asks
            # them and what happens to their answers (GDPR Art. 13, § 5 DDG).
            raise click.ClickException(
                "nothing was imported: an import publishes, and the city's legal details are incomplete ("
                + ", ".join(missing) + "). An admin fills them in the staff area (Legal details); `survey load-sample` "
                f"fills invented sample details for trying it out; {INCOMPLETE_LEGAL_DETAILS} publishes all the same "
                "(respondents then read a privacy notice and a legal notice with gaps).")
        try:
            results = [import_questionnaire(session, item) for item in loaded]
        except QuestionnaireError as error:  # bound to the city's district list while it is empty
            raise click.ClickException("nothing was imported: " + str(error) + "\n`survey import-districts FILE` (or "
                                       "`survey load-sample` for trying it out) fills the city's district list.") from None
    for result in results:
        state = "imported as version" if result.created else "unchanged, version"
        click.echo(f"{result.slug}\t{state} {result.version_number}")
    if missing and results:
        click.echo("warning: published without complete legal details (" + ", ".join(missing) + "): respondents read a "
                   "privacy notice and a legal notice with gaps until an admin fills them in the staff area.", err=True)


_without_legal_details = click.option(
    INCOMPLETE_LEGAL_DETAILS, "without_legal_details", is_flag=True,
    help="Publish although the city's legal details are incomplete (respondents read notices with gaps).")


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_without_legal_details
@with_appcontext
def import_command(paths: tuple[Path, ...], without_legal_details: bool) -> None:
    """Validate and import questionnaire files (.yaml, or XLSForm .xlsx; a folder: every *.yaml
    in it); prints each slug. An import publishes: refused while the city's legal details are
    incomplete."""
    _import_paths(list(paths), without_legal_details)


@click.command("import-bundled")
@_without_legal_details
@with_appcontext
def import_bundled_command(without_legal_details: bool) -> None:
    """Import the questionnaires bundled in SURVEY_QUESTIONNAIRE_DIR (refused while the city's
    legal details are incomplete)."""
    _import_paths([Path(current_app.config["QUESTIONNAIRE_DIR"])], without_legal_details)


@click.command("list")
@with_appcontext
def list_command() -> None:
    """List questionnaires with their newest version and number of responses."""
    with unit_of_work() as session:
        summaries = list_questionnaires(session)
    if not summaries:
        click.echo("No questionnaires yet. Import one with: survey import questionnaires/")
        return
    click.echo("slug\tversion\tresponses\ttitle")
    for item in summaries:
        click.echo(f"{item.slug}\t{item.version_number}\t{item.responses}\t{item.title}")


def _export_formats() -> str:
    from survey.exports.formats import FORMATS
    return ", ".join(FORMATS)


@click.command("export")
@click.argument("slug")
@click.option("--format", "export_format", default="csv", show_default=True, help=f"One of: {_export_formats()}.")
@click.option("--labels", "values", type=click.Choice(["codes", "labels"]), default="codes", show_default=True,
              help="Answers as option codes, or as labels in --label-language.")
@click.option("--label-language", default="de", show_default=True, help="Language of labels, question texts and codebooks.")
@click.option("--from", "date_from", default="", metavar="YYYY-MM-DD", help="Submitted on or after this day (UTC).")
@click.option("--to", "date_to", default="", metavar="YYYY-MM-DD", help="Submitted on or before this day (UTC).")
@click.option("--language", "languages", multiple=True, help="Only responses in this language (repeatable).")
@click.option("--district", "districts", multiple=True, help="Only responses from this district code (repeatable).")
@click.option("--channel", "channels", multiple=True, help="Only responses from this channel code (repeatable).")
@click.option("--version", "versions", multiple=True, help="Only responses to this questionnaire version (repeatable).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file ('-' for standard output). Default: a new file "
                                                                             "in exports/.")
@click.option("--dialect", "dialect_name", type=click.Choice(["international", "excel-de"]), default="international",
              show_default=True, help="CSV dialect: international (comma, decimal point, ISO dates, no byte order mark: R, "
                                      "Stata, pandas) or excel-de (semicolon, decimal comma, 31.12.2026, byte order mark: "
                                      "German Excel).")
@click.option("--bom/--no-bom", default=None, help="Start a CSV with a UTF-8 byte order mark, or not (default: the dialect's).")
@click.option("--delimiter", type=click.Choice([",", ";"]), default=None, help="The CSV separator (default: the dialect's).")
@with_appcontext
def export_command(slug: str, export_format: str, values: str, label_language: str, date_from: str, date_to: str,
                   languages: tuple[str, ...], districts: tuple[str, ...], channels: tuple[str, ...],
                   versions: tuple[str, ...], out: Path | None, dialect_name: str, bom: bool | None,
                   delimiter: str | None) -> None:
    """Export the submitted responses of a questionnaire (csv, xlsx, sav) or its codebook."""
    import tempfile

    from survey.exports.filters import FilterError, parse_filter
    from survey.exports.formats import FormatNotApplicable, UnknownFormat, get_format
    from survey.exports.labels import UnknownLabelLanguage
    from survey.exports.request import ExportRequest, prepare
    from survey.files import CSV_DIALECTS
    from survey.store.responses import UnknownQuestionnaire

    try:
        chosen = get_format(export_format)
    except UnknownFormat:
        raise click.ClickException(f"unknown format '{export_format}'; choose one of: {_export_formats()}") from None
    try:
        export_filter = parse_filter(date_from, date_to, languages, districts, channels, versions)
    except FilterError as error:
        raise click.ClickException(str(error)) from None
    from survey.web.config import current_threshold

    try:
        dialect = CSV_DIALECTS[dialect_name].with_overrides(delimiter, bom)
    except ValueError:
        raise click.ClickException(f"--delimiter '{delimiter}' is the decimal separator of --dialect {dialect_name}; "
                                   "choose ';' or --dialect international") from None
    request = ExportRequest(slug, export_filter, values == "labels", label_language, dialect,
                            threshold=current_threshold())
    from survey.store import audit

    def audited(session: Session, count: int, to: str) -> None:
        # As the staff pages record theirs: what was exported, never where to (a path may name
        # a person) and nothing of the answers.
        audit.record(session, "cli", "export", slug, command="survey export", format=chosen.name, rows=count, to=to,
                     **request.to_options())

    with unit_of_work() as session:
        try:
            prepared = prepare(session, request)
        except UnknownQuestionnaire:
            raise click.ClickException(f"no questionnaire with the slug '{slug}'; see: survey list") from None
        except (FilterError, UnknownLabelLanguage) as error:
            raise click.ClickException(str(error)) from None
        if out is not None and str(out) == "-":
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"export.{chosen.extension}"
                count = chosen.write(prepared, path)
                with open(path, "rb") as handle:
                    while chunk := handle.read(1 << 20):
                        sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            audited(session, count, "standard output")
            return
        if out is None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            suffix = "" if export_format == chosen.extension else f"-{export_format}"
            out = Path(current_app.config["EXPORT_DIR"]) / f"{slug}-{stamp}{suffix}.{chosen.extension}"
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        try:
            count = chosen.write(prepared, partial)
        except FormatNotApplicable as error:
            partial.unlink(missing_ok=True)
            raise click.ClickException(str(error)) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(out)  # never leave a half-written file under the final name
        audited(session, count, "file")
    what = "variables described" if export_format == "codebook" else "responses written"
    click.echo(f"{count} {what} to {out}", err=True)
    click.echo(str(out))


@click.command("delete-expired-drafts")
@with_appcontext
def delete_expired_drafts_command() -> None:
    """Delete drafts not saved for SURVEY_DRAFT_RETENTION_DAYS days."""
    from survey.store.drafts import delete_expired_drafts

    with unit_of_work() as session:
        days = int(current_app.config["DRAFT_RETENTION_DAYS"])
        count = delete_expired_drafts(session, days)
        from survey.store import audit
        audit.record(session, "cli", "delete-expired-drafts", "", drafts=count, retention_days=days)
    click.echo(f"{count} expired drafts deleted")


@click.command("delete-responses")
@click.argument("slug")
@click.option("--confirm", is_flag=True, help="Required: the raw answers cannot be restored.")
@with_appcontext
def delete_responses_command(slug: str, confirm: bool) -> None:
    """Delete a CLOSED questionnaire's responses and drafts, keeping the suppressed aggregate."""
    from survey.exports.retention import NotClosed, delete_raw_answers
    from survey.store.responses import UnknownQuestionnaire
    from survey.web.config import current_threshold

    if not confirm:
        raise click.ClickException("this deletes every raw answer of the questionnaire for good; "
                                   "repeat with --confirm to do it")
    with unit_of_work() as session:
        try:
            snapshot = delete_raw_answers(session, slug, "cli", current_threshold())
        except UnknownQuestionnaire:
            raise click.ClickException(f"no questionnaire with the slug '{slug}'; see: survey list") from None
        except NotClosed:
            raise click.ClickException(f"'{slug}' is still open; close it in the staff area first") from None
        click.echo(f"{snapshot.responses} responses of {slug} deleted; their aggregated results are kept")


@click.command("report")
@click.argument("slug")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write: .pdf for PDF, anything else for HTML.")
@click.option("--language", type=click.Choice(["de", "en"]), default="de", show_default=True)
@click.option("--include-open-text", is_flag=True, help="Add the answers to open questions (escaped).")
@click.option("--format", "file_format", type=click.Choice(["html", "pdf"]), default=None,
              help="Overrides the choice by the file name's ending.")
@with_appcontext
def report_command(slug: str, out: Path, language: str, include_open_text: bool, file_format: str | None) -> None:
    """Write the printable council report of a questionnaire (HTML with print CSS, or PDF)."""
    from survey.exports.report import UnknownReport, render_report
    from survey.exports.report_pdf import PdfUnavailable, html_to_pdf
    from survey.web.config import current_threshold

    as_pdf = (file_format or ("pdf" if out.suffix.lower() == ".pdf" else "html")) == "pdf"
    with unit_of_work() as session:
        try:
            html = render_report(session, slug, current_threshold(), language, include_open_text)
        except UnknownReport:
            raise click.ClickException(f"no questionnaire with the slug '{slug}'; see: survey list") from None
        try:
            content = html_to_pdf(html) if as_pdf else html.encode("utf-8")
        except PdfUnavailable as error:
            raise click.ClickException(f"{error}; the HTML report works without it (--out report.html)") from None
        from survey.store import audit
        audit.record(session, "cli", "report", slug, language=language, open_text=include_open_text,
                     format="pdf" if as_pdf else "html")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(content)
    partial.replace(out)
    click.echo(str(out))


@click.command("delete-handled-contacts")
@with_appcontext
def delete_handled_contacts_command() -> None:
    """Delete contact requests handled SURVEY_CONTACT_RETENTION_DAYS or more days ago."""
    from survey.store.contact_requests import delete_handled

    with unit_of_work() as session:
        count = delete_handled(session, int(current_app.config["CONTACT_RETENTION_DAYS"]))
    click.echo(f"{count} handled contact requests deleted")


@click.command("links")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@with_appcontext
def links_command(base_url: str) -> None:
    """Print the respondent link of every questionnaire."""
    with unit_of_work() as session:
        for item in list_questionnaires(session):
            click.echo(f"{item.title}: {base_url.rstrip('/')}/s/{item.slug}/")


@click.command("create-user")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([role.value for role in Role]), help="Repeat for several roles.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt.")
@with_appcontext
def create_user_command(email: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create a staff account; the password is asked for (never given on the command line)."""
    from survey.store import accounts, audit

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with unit_of_work() as session:
        try:
            user = accounts.create_user(session, email, password, list(roles))
        except accounts.AccountError as error:
            raise click.ClickException(str(error)) from None
        audit.record(session, "cli", "user_created", user.email, roles=user.roles)
    click.echo(f"created {user.email} ({user.roles})")


@click.command("create-first-admin")
@click.option("--email", default="admin@musterstadt.example", show_default=True)
@with_appcontext
def create_first_admin_command(email: str) -> None:
    """Once, when there is no staff account yet: create an admin and print a one-time password."""
    from survey.store import accounts, audit

    with unit_of_work() as session:
        if accounts.count_users(session) > 0:
            return  # silent: `make run` calls this every time
        password = accounts.generate_password()
        # Not counsellor: contact requests are personal data; an admin grants that role deliberately.
        user = accounts.create_user(session, email, password, ["admin", "designer", "analyst"], must_change_password=True)
        audit.record(session, "cli", "user_created", user.email, roles=user.roles, first_admin=True)
    click.echo(f"First staff account: {email}")
    click.echo(f"One-time password:   {password}   (shown once; you choose your own at the first login)")


@click.command("export-form")
@click.argument("slug")
@click.option("--format", "form_format", type=click.Choice(["xlsform", "yaml"]), default="xlsform", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file ('-' for standard output). Default: a new file "
                                                                             "in exports/.")
@with_appcontext
def export_form_command(slug: str, form_format: str, out: Path | None) -> None:
    """Write the newest version of a questionnaire as an XLSForm workbook or as YAML."""
    from survey.questionnaire.formats.xlsform_expressions import ExpressionError
    from survey.questionnaire.formats.xlsform_writer import write_xlsform
    from survey.store.questionnaires import newest_version, questionnaire_for_version

    with unit_of_work() as session:
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


def _table_file(path: Path, parse_and_save: Any) -> None:
    """Import one table file in one transaction; every row problem printed, nothing saved then."""
    from survey.files import TableImportError

    with unit_of_work() as session:
        try:
            report = parse_and_save(session, path.read_bytes(), path.name)
        except TableImportError as error:
            for problem in error.problems:
                click.echo(f"{path.name}: {problem}", err=True)
            raise click.ClickException("nothing was imported; fix the rows above and try again") from None
    click.echo(f"{len(report.added)} added, {len(getattr(report, 'updated', getattr(report, 'changed', ())))} updated, "
               f"{len(report.unchanged)} unchanged")


@click.command("import-offers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_offers_command(file: Path) -> None:
    """Import offers from CSV or XLSX (layout: docs/offers.md); all rows or none."""
    from survey.store import audit
    from survey.store.offers import import_offers

    def run(session: Any, raw: bytes, name: str) -> Any:
        report = import_offers(session, raw, name)
        audit.record(session, "cli", "offers_imported", name, added=len(report.added), updated=len(report.updated))
        return report

    _table_file(file, run)


@click.command("import-districts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_districts_command(file: Path) -> None:
    """Import districts (columns code, name, parent, name_<lang>...) from CSV or XLSX; all rows or none.
    Drafts that offer the city's district list follow it; published versions keep theirs."""
    from survey.store import municipality

    _table_file(file, lambda session, raw, name: municipality.save_districts(session, municipality.parse_districts(raw, name)))


@click.command("import-fields")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_fields_command(file: Path) -> None:
    """Import integration fields (columns code, label_de, label_<lang>...) from CSV or XLSX."""
    from survey.store import municipality

    _table_file(file, lambda session, raw, name: municipality.save_fields(session, municipality.parse_fields(raw, name)))


@click.command("load-sample")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def load_sample_command(directory: Path | None) -> None:
    """Load the fictional sample municipality (default samples/musterstadt) into empty tables."""
    from survey.files import TableImportError
    from survey.store.sample import SAMPLE_DIR, load_sample

    with unit_of_work() as session:
        try:
            report = load_sample(session, directory or SAMPLE_DIR)
        except TableImportError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"sample: {report.districts} districts, {report.fields} fields, {report.offers} offers added")
    if report.legal_details:
        click.echo("sample: the invented legal details of Musterstadt filled in (staff area, Legal details)")


COMMANDS = [
    create_user_command,
    create_first_admin_command,
    init_command,
    import_command,
    import_bundled_command,
    list_command,
    export_command,
    delete_expired_drafts_command,
    delete_handled_contacts_command,
    links_command,
    export_form_command,
    import_offers_command,
    import_districts_command,
    import_fields_command,
    load_sample_command,
    delete_responses_command,
    report_command,
]


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)

