"""`manage.py clinical_docs`: rewrite the generated part of
docs/clinical-rules.md from the rules' data (`--check` only compares)."""

from django.core.management.base import BaseCommand, CommandError

from grading import clinical_docs


class Command(BaseCommand):
    help = "Write the protocol tables of docs/clinical-rules.md from the rules' data."

    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing; fail when the file differs from the data",
        )

    def handle(self, *args, check: bool, **options):
        path = clinical_docs.PATH
        current = path.read_text(encoding="utf-8")
        try:
            wanted = clinical_docs.rewritten(current)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if wanted == current:
            self.stdout.write(f"{path.name} is up to date.")
            return
        if check:
            raise CommandError(
                f"{path.name} differs from the rules' data: run `manage.py clinical_docs`."
            )
        path.write_text(wanted, encoding="utf-8")
        self.stdout.write(f"Wrote the generated part of {path}.")
