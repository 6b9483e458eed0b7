"""`manage.py hl7_send FILE --host --port`: send the ORU^R01 messages of a file over
MLLP and print each ACK. {NOW} in the file becomes the time of sending, {ID} a
fresh message control id (see docs/hl7/)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interop import hl7_client


class Command(BaseCommand):
    help = "Send HL7 v2 messages from a file to an MLLP listener and print the ACKs."

    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2575)

    def handle(self, *args, file: Path, host: str, port: int, **options):
        try:
            messages = hl7_client.split_messages(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        if not messages:
            raise CommandError(f"{file} holds no message (each begins with MSH).")
        refused = 0
        for message in messages:
            try:
                ack = hl7_client.send(host, port, hl7_client.fill_in(message))
            except OSError as error:
                raise CommandError(f"Cannot reach the listener at {host}:{port}: {error}") from None
            code, text = hl7_client.ack_code(ack)
            refused += code != "AA"
            self.stdout.write(f"{code or '??'} {text}")
        if refused:
            raise CommandError(f"{refused} of {len(messages)} messages not accepted.")
