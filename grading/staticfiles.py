"""plotly.js for the trajectory page, straight from the installed plotly package.

Wards are often cut off from the internet, so the charts never load Plotly
from a CDN; and a 4 MB copy in the repository would drift from the Python
package that builds the figures. This finder serves the package's own file
as static/js/plotly.min.js to runserver, the test server and collectstatic.
"""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
STATIC_PATH = "js/plotly.min.js"


class PlotlyFinder(BaseFinder):
    def check(self, **kwargs):
        if PLOTLY_JS.is_file():
            return []
        return [
            Error(
                f"{PLOTLY_JS} is missing: the trajectory charts cannot load.",
                hint="Reinstall the plotly package.",
                id="grading.E001",
            )
        ]

    def find(self, path, find_all=False, **kwargs):
        if kwargs:  # Django 5.2 still passes the deprecated `all`
            find_all = self._check_deprecated_find_param(find_all=find_all, **kwargs)
        if path != STATIC_PATH or not PLOTLY_JS.is_file():
            return []
        return [str(PLOTLY_JS)] if find_all else str(PLOTLY_JS)

    def list(self, ignore_patterns):
        storage = FileSystemStorage(location=PLOTLY_JS.parent)
        # collectstatic writes the file under the storage's prefix.
        storage.prefix = str(Path(STATIC_PATH).parent)
        yield PLOTLY_JS.name, storage
