"""The CSV's columns are documented where a data manager reads them."""

from pathlib import Path

from interop.registry_csv import COLUMNS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_documents_every_column_of_the_csv_in_order():
    section = README.read_text().split("## Registry export", 1)[1].split("\n## ", 1)[0]
    listed = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
    assert listed == [c.name for c in COLUMNS]


def test_column_names_are_unique_and_say_what_they_mean():
    assert len({c.name for c in COLUMNS}) == len(COLUMNS)
    assert all(c.means.strip() for c in COLUMNS)
