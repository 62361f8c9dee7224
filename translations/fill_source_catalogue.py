"""The interface is written in English, so the English catalogue is its msgids: fill it after
`make update-messages` (the Makefile does)."""
from pathlib import Path

from babel.messages.pofile import read_po, write_po

FOLDER = Path(__file__).resolve().parent / "en" / "LC_MESSAGES"

for path in (FOLDER / "messages.po", FOLDER / "staff.po"):
    if not path.exists():
        continue
    with open(path, "rb") as handle:
        catalogue = read_po(handle)
    for message in catalogue:
        if message.id and not (all(message.string) if isinstance(message.string, tuple) else message.string):
            message.string = tuple(message.id) if isinstance(message.id, tuple) else message.id
    with open(path, "wb") as handle:
        write_po(handle, catalogue, sort_output=True, no_location=True)
