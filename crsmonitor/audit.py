"""Who did what, from which request: the context of the audit trail.

django-pghistory records every insert and update of a tracked model with
PostgreSQL triggers, so no view can forget it. This middleware attaches the
signed-in user and the URL to those records. Triggers exist only on
PostgreSQL; the embedded SQLite demo keeps no audit trail.
"""

from django.db import connection
from pghistory.middleware import HistoryMiddleware


class AuditContextMiddleware(HistoryMiddleware):
    def __call__(self, request):
        if connection.vendor != "postgresql":
            return self.get_response(request)
        return super().__call__(request)
