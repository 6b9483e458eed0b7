"""`manage.py grade CASE.json`: the rules engine without a database
(spec/grade-command.md). A thin shell around grading.rules.case."""

import json
import sys

from django.core.management.base import BaseCommand

from grading.rules import evaluate
from grading.rules.case import CaseError, evaluation_to_json, load_cases


class Command(BaseCommand):
    help = "Grade a JSON case (or an array of cases) and print the result as JSON."

    # The engine runs without a database or a server: nothing to check.
    requires_system_checks = []
    requires_migrations_checks = False
    # Tests pass a text stream; from the shell '-' reads sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "case", nargs="?", help="path of a JSON case file, or '-' for standard input"
        )
        parser.add_argument(
            "--assessment",
            type=int,
            metavar="N",
            help="replay stored assessment N from its stored inputs and say whether"
            " today's rules agree (needs the database)",
        )

    def handle(self, *args, case=None, assessment=None, **options):
        if assessment is not None:
            return self._replay(assessment)
        if case is None:
            self.stderr.write("error: give a case file, '-', or --assessment N")
            raise SystemExit(2)
        try:
            text = self._read(case, options.get("stdin") or sys.stdin)
            snapshots, is_batch = load_cases(text)
        except CaseError as error:
            # One line naming the field, nothing on stdout, exit 2 (the spec's contract).
            self.stderr.write(f"error: {error.field}: {error.message}")
            raise SystemExit(2) from None
        results = [evaluation_to_json(evaluate(snapshot)) for snapshot in snapshots]
        if not is_batch:
            self.stdout.write(json.dumps(results[0], ensure_ascii=False, indent=2))
            return
        # A batch prints one result per line: still one JSON array, written by
        # json's C encoder (indenting runs it in Python, line by line).
        lines = ",\n".join(json.dumps(result, ensure_ascii=False) for result in results)
        self.stdout.write(f"[\n{lines}\n]" if results else "[]")

    def _replay(self, pk: int) -> None:
        # Only a replay reads the database; grading a case never does.
        from grading.models import Assessment
        from grading.replay import replay

        stored = Assessment.objects.defer(None).filter(pk=pk).first()
        if stored is None:
            self.stderr.write(f"error: --assessment: no assessment {pk}")
            raise SystemExit(2)
        try:
            result = replay(stored)
        except (ValueError, CaseError) as error:
            self.stderr.write(f"error: --assessment: {error}")
            raise SystemExit(2) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _read(self, case: str, stdin) -> str:
        if case == "-":
            return stdin.read()
        try:
            with open(case, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CaseError("(file)", f"cannot read {case}: {error}") from None
