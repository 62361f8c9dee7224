"""Interface texts respondents see (the "messages" gettext catalogue), changed per installation.

The bundled catalogues (``translations/<locale>/LC_MESSAGES/messages.po``) come with the code;
a translator's corrections go to ``<instance>/translations/<locale>/LC_MESSAGES/messages.po`` and
its compiled ``.mo``. Flask-Babel loads that folder after the bundled one and merges later
catalogues over earlier ones, so an override wins (survey/web/config.py). The override catalogue holds
only the changed messages, so improvements to other bundled texts still arrive with updates.
No Flask here.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from survey.questionnaire.formats.translation_sheet import KEY_PREFIX, UiText

DOMAIN = "messages"
STAMP = ".changed"  # touched on every write, so every worker process notices and reloads


def catalogue_path(directory: Path, locale: str) -> Path:
    return Path(directory) / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path) -> Catalog | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return _parse(str(path), status.st_mtime_ns, status.st_size, status.st_ino)


@lru_cache(maxsize=64)
def _parse(path: str, _mtime: int, _size: int, _inode: int) -> Catalog:
    # Cached per file version: the translations page reads every language's catalogue. Callers
    # never change the returned catalogue (save_overrides reads its own copy).
    with open(path, "rb") as handle:
        return read_po(handle)


def _strings(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (tuple, list)) else (message.string or "",)


def _key(msgid: str, form: int | None) -> str:
    return f"{KEY_PREFIX}{msgid}" if form is None else f"{KEY_PREFIX}{msgid}[{form}]"


def ui_texts(bundled_dir: Path, override_dir: Path, locale: str) -> list[UiText]:
    """Every interface text of ``locale`` in catalogue order; none when the locale has no bundled
    catalogue (German and English are the sources and have one each)."""
    bundled = _read(catalogue_path(bundled_dir, locale))
    if bundled is None:
        return []
    override = _read(catalogue_path(override_dir, locale))
    texts: list[UiText] = []
    for message in bundled:
        if not message.id or message.fuzzy:
            continue
        replaced = override.get(message.id) if override is not None else None
        strings = _strings(replaced if replaced is not None and any(_strings(replaced)) else message)
        if isinstance(message.id, (tuple, list)):
            singular, plural = message.id[0], message.id[1]
            for form in range(bundled.num_plurals):
                texts.append(UiText(
                    _key(singular, form), singular if form == 0 else plural,
                    strings[form] if form < len(strings) else "", (singular, plural), form, replaced is not None,
                ))
        else:
            texts.append(UiText(_key(message.id, None), message.id, strings[0], message.id, None, replaced is not None))
    return texts


def save_overrides(bundled_dir: Path, override_dir: Path, locale: str, changes: Mapping[str, str]) -> Path:
    """Store changed interface texts (key -> new text) in the override catalogue of ``locale``,
    written to a temporary file first, then compiled. Returns the .po path."""
    texts = {text.key: text for text in ui_texts(bundled_dir, override_dir, locale)}
    unknown = [key for key in changes if key not in texts]
    if unknown:
        raise KeyError(unknown[0])
    bundled = _read(catalogue_path(bundled_dir, locale))
    assert bundled is not None  # ui_texts found texts, so the bundled catalogue exists
    path = catalogue_path(override_dir, locale)
    catalogue = None
    if path.is_file():
        with open(path, "rb") as handle:
            catalogue = read_po(handle)
    if catalogue is None:
        catalogue = Catalog(locale=bundled.locale, project=bundled.project, version=bundled.version, fuzzy=False)
        catalogue.header_comment = (
            "# Interface texts changed in this installation (staff workspace, Translations).\n"
            "# They override the bundled translations/" + locale + "/LC_MESSAGES/messages.po."
        )
    # The same plural rule as the bundled catalogue: Flask-Babel takes the plural function of the
    # last catalogue it merges, and the default rule of a catalogue without one is English's.
    catalogue.mime_headers = [
        (name, value) for name, value in catalogue.mime_headers if name != "Plural-Forms"
    ] + [("Plural-Forms", bundled.plural_forms)]
    plural_forms: dict[str, list[str]] = {}  # msgid -> every form, with this call's changes
    for key, value in changes.items():
        text = texts[key]
        # Babel's catalogue[id] = message keeps the string of a message already there: drop the
        # earlier override first, or a second change of the same text is silently lost.
        catalogue.delete(text.msgid)
        if text.form is None:
            catalogue[text.msgid] = Message(text.msgid, value)
            continue
        singular = text.msgid[0]
        forms = plural_forms.setdefault(
            singular, [other.translation for other in texts.values() if other.msgid == text.msgid]
        )
        forms[text.form] = value
        catalogue[text.msgid] = Message(text.msgid, tuple(forms))
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, lambda handle: write_po(handle, catalogue, sort_output=True, no_location=True))
    _atomic_write(path.with_suffix(".mo"), lambda handle: write_mo(handle, catalogue))
    touch_stamp(override_dir)
    return path


def _atomic_write(path: Path, write: object) -> None:
    # A reader (another worker loading the catalogue) never sees a half-written file.
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)  # type: ignore[operator]
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def touch_stamp(override_dir: Path) -> None:
    # Replaced, not touched: a new inode tells apart two writes within one clock tick.
    Path(override_dir).mkdir(parents=True, exist_ok=True)
    _atomic_write(Path(override_dir) / STAMP, lambda handle: handle.write(os.urandom(8).hex().encode("ascii")))


def stamp(override_dir: Path) -> tuple[int, int] | None:
    """Changes whenever an override was written (None: never), for reloading cached catalogues."""
    try:
        status = os.stat(Path(override_dir) / STAMP)
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns
