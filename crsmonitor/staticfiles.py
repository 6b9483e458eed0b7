"""Static files as production serves them: compressed, with content-hashed
names that browsers keep forever (WhiteNoise)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFiles(CompressedManifestStaticFilesStorage):
    """collectstatic writes each file once under a name with its hash and
    compressed beside it; pages then link those names.

    Where collectstatic never ran (the test suite, `manage.py bench`, a
    development server with DEBUG=false) there is no manifest, and the plain
    names are linked, served from the source folders as before. A manifest
    that lacks a file still fails loudly.
    """

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
