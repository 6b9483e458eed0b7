"""docs/clinical-rules.md stays true to the rules it documents."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from grading import clinical_docs
from grading.rules import PROMPT_CODES, PROTOCOLS
from grading.rules.icans_floor import ICANS_STEROIDS
from grading.sources import protocol_origin


def test_the_committed_document_matches_the_rules_data():
    document = clinical_docs.PATH.read_text(encoding="utf-8")
    assert clinical_docs.rewritten(document) == document, (
        "docs/clinical-rules.md is stale: run `manage.py clinical_docs` and commit it"
    )


def test_the_document_names_every_prompt_and_protocol_the_app_raises():
    document = clinical_docs.PATH.read_text(encoding="utf-8")
    for code in PROMPT_CODES:
        assert f"`{code}`" in document, code
    for code in PROTOCOLS:
        assert f"### Protocol {code}" in document
        assert protocol_origin(code) in document


def test_the_generated_part_carries_each_protocols_doses_and_limits():
    generated = clinical_docs.generated()
    for protocol in PROTOCOLS.values():
        assert protocol.version in generated
        for rule in protocol.steroid_rules:
            assert rule.text in generated
        for actions in protocol.actions.values():
            for action in actions:
                assert action.text in generated
    assert "| weight_valid_days | 7 |" in generated
    for rule in ICANS_STEROIDS:
        assert rule.schedule in generated


def test_the_command_rewrites_a_stale_document_and_check_refuses_it(tmp_path, monkeypatch):
    stale = tmp_path / "clinical-rules.md"
    stale.write_text(
        f"Prose stays.\n\n{clinical_docs.BEGIN}\nold tables\n{clinical_docs.END}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(clinical_docs, "PATH", stale)

    with pytest.raises(CommandError, match="run `manage.py clinical_docs`"):
        call_command("clinical_docs", "--check")
    assert "old tables" in stale.read_text(encoding="utf-8")

    call_command("clinical_docs")
    text = stale.read_text(encoding="utf-8")
    assert text.startswith("Prose stays.") and "old tables" not in text
    assert "### Protocol A" in text
    call_command("clinical_docs", "--check")


def test_the_command_refuses_a_document_without_its_markers(tmp_path, monkeypatch):
    bare = tmp_path / "clinical-rules.md"
    bare.write_text("No markers here.\n", encoding="utf-8")
    monkeypatch.setattr(clinical_docs, "PATH", bare)
    with pytest.raises(CommandError, match="lacks the markers"):
        call_command("clinical_docs")


def test_the_readme_points_to_the_documentation_in_the_repository():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    assert "docs/clinical-rules.md" in readme
    assert "shared/" not in readme
