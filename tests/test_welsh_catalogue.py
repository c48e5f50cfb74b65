"""The Welsh catalogue: every staff-facing string translated, nothing fuzzy, the .mo up to date."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ROOT / "survey" / "translations" / "cy" / "LC_MESSAGES"


def welsh_po() -> Catalog:
    with (MESSAGES / "messages.po").open("rb") as po:
        return read_po(po)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Return the strings marked for translation in the code and templates as they are now."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        args = ["-q", "extract", "-F", "babel.cfg", "-k", "lazy_gettext", "-o", str(pot), "."]
        CommandLineInterface().run(["pybabel", *args])
    finally:
        os.chdir(here)
    with pot.open("rb") as handle:
        return read_po(handle)


def test_every_marked_string_has_a_welsh_entry(extracted: Catalog) -> None:
    catalogue = welsh_po()
    missing = [m.id for m in extracted if m.id and m.id not in catalogue]
    assert not missing, f"run scripts/translations update and translate: {missing[:5]}"
    assert len(extracted) > 90  # the staff pulse's strings really were found


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    catalogue = welsh_po()
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert not problems, f"untranslated or fuzzy: {problems[:5]}"
    assert catalogue.num_plurals == len(next(m for m in catalogue if m.pluralizable).string)


def test_translations_keep_their_placeholders() -> None:
    errors = [(message.id, [str(e) for e in found]) for message, found in welsh_po().check()]
    assert not errors


def _entries(catalogue: Catalog) -> dict[object, object]:
    """Return a catalogue's translations by message, plural forms as tuples."""
    return {
        tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id: (
            tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string
        )
        for m in catalogue
        if m.id
    }


def test_the_compiled_catalogue_matches_the_po() -> None:
    with (MESSAGES / "messages.mo").open("rb") as mo:
        compiled = _entries(read_mo(mo))
    written = _entries(welsh_po())
    assert compiled == written, "run scripts/translations compile and commit the .mo"
