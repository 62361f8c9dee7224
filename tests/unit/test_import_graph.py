"""The one-way flow of the package, checked on every import statement (module level and inside
functions): a part may import only parts below it, and the domain parts know nothing of Flask.

    app, wsgi, seed           the assembled application and its command-line entry point
    staff                     blueprints and the `survey` commands
    respondent, cli
    directory
    web                       Flask plumbing
    exports                   writers (CSV, Excel, SPSS, report)
    analysis                  frames, aggregates, suppression, gap matrix
    store                     engine, models, migrations, one module per noun
    offers                    the offer inventory's rules (no database)
    questionnaire             file -> validated model (no database)
    files, distribution       uploaded tables; links and QR codes
    problems, languages       the problem type; the language table
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "survey"
LAYERS: list[set[str]] = [
    {"problems", "languages"},
    {"files", "distribution"},
    {"questionnaire"},
    {"offers"},
    {"store"},
    {"analysis"},
    {"exports"},
    {"web"},
    {"directory"},
    {"respondent", "cli"},
    {"staff"},
    {"app", "wsgi", "seed"},
]
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}
FLASK_FREE = {"problems", "languages", "files", "distribution", "questionnaire", "offers", "store", "analysis", "exports"}
FLASK_MODULES = ("flask", "flask_babel", "flask_wtf", "flask_compress", "werkzeug")


def part_of(module: str) -> str | None:
    """``survey.store.drafts`` -> ``store``; None for anything outside the package."""
    names = module.split(".")
    if names[0] != "survey" or len(names) < 2:
        return None
    return names[1]


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        if "migrations" in relative.parts:
            continue
        name = ".".join(relative.parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports_of(path: Path, module: str) -> list[tuple[str, int]]:
    """Every module an import statement in ``path`` names (``from a import b`` gives ``a.b``
    too, since ``b`` may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def test_every_part_is_placed():
    parts = {part_of(name) for name in modules()} - {None}
    assert parts <= set(RANK), f"place these in LAYERS: {sorted(parts - set(RANK))}"


def test_no_part_imports_a_part_above_it():
    upward = []
    for module, path in modules().items():
        own = part_of(module)
        if own is None:
            continue
        for imported, line in imports_of(path, module):
            other = part_of(imported)
            if other is not None and other != own and other in RANK and RANK[other] > RANK[own]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {own} imports {imported} ({other})")
    assert upward == []


def test_the_domain_knows_nothing_of_flask():
    found = []
    for module, path in modules().items():
        if part_of(module) not in FLASK_FREE:
            continue
        for imported, line in imports_of(path, module):
            if imported.split(".")[0] in FLASK_MODULES:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {imported}")
    assert found == []


# Outside survey/store a module may name a session (to pass it on) and catch the database's
# errors, but it writes no query of its own: every read and write is a store module's.
SESSION_NAMES = {"sqlalchemy.orm.Session", "sqlalchemy.orm.sessionmaker"}


def test_only_the_store_writes_queries():
    found = []
    for module, path in modules().items():
        if part_of(module) == "store":
            continue
        for imported, line in imports_of(path, module):
            if imported.split(".")[0] != "sqlalchemy" or imported in ("sqlalchemy.orm", "sqlalchemy.exc"):
                continue
            if imported in SESSION_NAMES or imported.startswith("sqlalchemy.exc."):
                continue
            found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {imported}")
    assert found == []


# One place commits per unit of work (Indico's habit): the request (survey.app through
# survey.web.request_db, which the rate limiter also uses to make a hit count at once), a CLI
# command (survey.cli.unit_of_work), a background export job (survey.exports.jobs), the server's
# periodic clean-up after a response was sent (survey.web.housekeeping), and the seeding of the
# test and benchmark app (survey.seed). Everything else only flushes.
COMMIT_PLACES = {"survey.web.request_db", "survey.cli", "survey.exports.jobs", "survey.web.housekeeping", "survey.seed"}
REQUEST_COMMITTERS = {"survey.app", "survey.web.limits"}


def test_only_the_unit_of_work_commits():
    found = []
    for module, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"):
                continue
            of_request = isinstance(node.func.value, ast.Name) and node.func.value.id == "request_db"
            if module not in (REQUEST_COMMITTERS if of_request else COMMIT_PLACES):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert found == []
