"""`manage.py hl7_listener --host 0.0.0.0 --port 2575`: receive bedside monitors' HL7 v2."""

from django.core.management.base import BaseCommand

from interop.hl7_listener import Listener


class Command(BaseCommand):
    help = "Listen for HL7 v2 ORU^R01 messages over MLLP and keep them as pending device vitals."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        # 2575: the port IANA registered for HL7 over MLLP.
        parser.add_argument("--port", type=int, default=2575, help="TCP port (default 2575)")

    def handle(self, *args, host: str, port: int, **options):
        listener = Listener(host, port)
        self.stdout.write(f"HL7 listener on {host}:{port}; Ctrl-C to stop.")
        try:
            listener.run()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
