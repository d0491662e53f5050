"""Each PHI rule: lines it must flag, near-misses it must leave alone, context and allowlist."""
from __future__ import annotations

import pytest

from sanitizer.ocr.base import OcrLine
from sanitizer.phi import classify, classify_lines
from sanitizer.phi.lexicon import is_first_name, is_last_name
from sanitizer.phi.rules import remove_allowlisted

HITS = [
    # (text, context, expected rule)
    ("MRN: 466070960", "", "mrn"),
    ("MR# 00123456", "", "mrn"),
    ("FIN 9876543", "", "mrn"),
    ("Acct: 78067021614", "", "mrn"),
    ("466070960", "", "id"),
    ("4661 7096", "MRN:", "mrn"),
    ("03/15/1946", "DOB:", "dob"),
    ("DOB: 1946-03-15", "", "dob"),
    ("D0B 15.03.1946", "", "dob"),
    ("Born March 15, 1946", "", "dob"),
    ("11/26/2024", "", "date"),
    ("15 Mar 2024", "", "date"),
    ("Jan 5, 2024", "", "date"),
    ("2024-11-26", "", "date"),
    ("(555) 123-4567", "", "phone"),
    ("555.123.4567", "", "phone"),
    ("Fax: 555-123-4567", "", "fax"),
    ("123-45-6789", "", "ssn"),
    ("SSN 123 45 6789", "", "ssn"),
    ("jane.doe@example.org", "", "email"),
    ("1200 Oak Street", "", "address"),
    ("45 N. Maple Ave.", "", "address"),
    ("Springfield, IL 62704", "", "address"),
    ("Room 8A-35", "", "room"),
    ("Bed 12", "", "room"),
    ("MCDONALD-MORENO, PATRICIA", "", "name"),
    ("Nguyen, Thi", "", "name"),
    ("Dr. Whitfield", "", "name"),
    ("Seen by Dr. Okafor today", "", "name"),
    ("OKONKWO", "Dr.", "name"),
    ("John Robinson", "", "name"),
    ("Karen", "Name:", "name"),
    ("Patricia Gomez", "Patient:", "name"),
    ("79Y F", "", "age"),
    ("42 y/o female", "", "age"),
]

NEAR_MISSES = [
    ("15:33", ""),            # a time
    ("153/71", ""),           # blood pressure
    ("1.7-2.4", ""),          # reference range
    ("12.0-16.0", ""),        # reference range
    ("98-107", ""),
    ("2024", ""),             # a year alone
    ("May 2024", ""),         # month and year, no day
    ("13/45/2020", ""),       # not a calendar date
    ("12345", ""),            # five digits, no context
    ("Chloride, Sodium", ""),  # comma pair of ordinary words
    ("Welcome to the Emergency Department", ""),
    ("CareChart", ""),
    ("Room", ""),             # label only
    ("MRN:", ""),             # label only
    ("Exit", ""),
    ("Grace", ""),            # a name that is also a word, no context
    ("Total 45.99", ""),
    ("Call 911", ""),
]


@pytest.mark.parametrize("text,context,rule", HITS)
def test_rule_hits(text, context, rule):
    found = classify(text, context)
    assert found is not None, "expected a PHI finding"
    assert found.rule == rule


@pytest.mark.parametrize("text,context", NEAR_MISSES)
def test_rule_near_misses(text, context):
    assert classify(text, context) is None


def test_dob_context_strengthens_a_date():
    bare = classify("03/15/1946")
    with_context = classify("03/15/1946", "DOB:")
    assert bare is not None and with_context is not None
    assert bare.rule == "date" and with_context.rule == "dob"
    assert with_context.score > bare.score


def test_digit_run_becomes_mrn_with_context():
    assert classify("1234", "").__class__ is type(None)
    assert classify("A12345", "MRN").rule == "mrn"


def test_reason_never_contains_the_text():
    for text, context, _ in HITS:
        found = classify(text, context)
        assert text.lower() not in found.reason.lower()
        assert not any(ch.isdigit() for ch in found.reason)
        for token in text.replace(",", " ").split():
            if token.isalpha() and token.isupper() and len(token) > 3:
                assert token.lower() not in found.reason.lower()


def test_allowlist_keeps_signage_visible():
    sign = "Mercy General Hospital"
    assert classify("Dr. Mercy") is not None
    assert classify("Dr. Mercy", allowlist=["Dr. Mercy"]) is None
    assert classify("John Robinson Cancer Centre") is not None
    assert classify("John Robinson Cancer Centre", allowlist=["John Robinson Cancer Centre"]) is None
    # Allowlisting a phrase does not hide PHI that sits next to it.
    assert classify(f"{sign} MRN: 12345678", allowlist=[sign]).rule == "mrn"
    assert remove_allowlisted("visit MERCY general HOSPITAL today", [sign]).split() == ["visit", "today"]


def test_lexicon_is_shipped_and_folds_accents():
    assert is_first_name("Patricia") and is_first_name("JOSÉ")
    assert is_last_name("Robinson") and is_last_name("Hernández")
    assert not is_first_name("the") and not is_last_name("Hospital")


def _line(text, x, y, h=20):
    w = 12 * len(text)
    return OcrLine(((x, y), (x + w, y), (x + w, y + h), (x, y + h)), text, 0.95)


def test_labels_beside_a_value_give_context():
    label = _line("DOB:", 10, 100)
    value = _line("03/15/1946", 70, 100)
    name_label = _line("Name:", 10, 40)
    name = _line("Karen", 80, 40)
    found = {f.line.text: f.finding.rule for f in classify_lines([label, value, name_label, name])}
    assert found == {"03/15/1946": "dob", "Karen": "name"}


def test_label_above_a_value_gives_context():
    label = _line("Patient Name", 10, 10)
    value = _line("Gomez", 10, 36)
    far = _line("Gomez", 400, 300)
    found = classify_lines([label, value, far])
    assert [f.line for f in found] == [value]


def test_ocr_line_repr_hides_text():
    line = _line("MRN 12345678", 0, 0)
    assert "12345678" not in repr(line)


# Surnames that are also common words (in lexicon.COMMON_WORDS): not names on their own,
# names when a label says so, on the same line or in the box just before.
COMMON_WORD_SURNAMES = [
    # (text, context)
    ("Patient: John Smith", ""),
    ("Name: Mary Brown", ""),
    ("Pt: James Taylor", ""),
    ("Name: Robert King", ""),
    ("Patient: Anna Baker", ""),
    ("Patient John Smith", ""),           # no colon
    ("PATIENT NAME: MARY BROWN", ""),
    ("Resident - Robert King", ""),
    ("Guardian: Anna Baker", ""),
    ("Next of kin: James Taylor", ""),
    ("Mary Brown", "Name:"),              # label above, or in a table cell to the left
    ("Robert King", "Patient"),
    ("Smith Baker", "Name:"),
]


@pytest.mark.parametrize("text,context", COMMON_WORD_SURNAMES)
def test_a_label_makes_common_word_surnames_a_name(text, context):
    found = classify(text, context)
    assert found is not None and found.rule == "name"


@pytest.mark.parametrize("text", ["Patient Care Unit", "Patient Lounge", "Name Badge", "Patient Safety First",
                                  "Patient:", "King Street Entrance", "Brown"])
def test_labels_alone_and_signs_are_not_names(text):
    assert classify(text) is None


def test_label_in_a_table_cell_left_of_the_value():
    label = _line("Name", 10, 100)
    value = _line("Robert King", 90, 100)
    found = {f.line.text: f.finding.rule for f in classify_lines([label, value])}
    assert found == {"Robert King": "name"}
