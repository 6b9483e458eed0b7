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
        parser.add_argument("case", help="path of a JSON case file, or '-' for standard input")

    def handle(self, *args, case, **options):
        try:
            text = self._read(case, options.get("stdin") or sys.stdin)
            snapshots, is_batch = load_cases(text)
        except CaseError as error:
            # One line naming the field, nothing on stdout, exit 2 (the spec's contract).
            self.stderr.write(f"error: {error.field}: {error.message}")
            raise SystemExit(2) from None
        results = [evaluation_to_json(evaluate(snapshot)) for snapshot in snapshots]
        output = results if is_batch else results[0]
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))

    def _read(self, case: str, stdin) -> str:
        if case == "-":
            return stdin.read()
        try:
            with open(case, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CaseError("(file)", f"cannot read {case}: {error}") from None
