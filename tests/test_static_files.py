"""Static files in production: compressed copies under content-hashed names
that browsers keep forever; plain names where collectstatic never ran."""

import json

from django.conf import settings

from crsmonitor.staticfiles import HashedStaticFiles


def _storage(tmp_path, manifest: dict | None) -> HashedStaticFiles:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "board.js").write_text("// board")
    if manifest is not None:
        (tmp_path / "staticfiles.json").write_text(
            json.dumps({"paths": manifest, "version": "1.1", "hash": "x"})
        )
    return HashedStaticFiles(location=str(tmp_path), base_url="/static/")


def test_after_collectstatic_pages_link_the_hashed_names(tmp_path):
    storage = _storage(tmp_path, {"js/board.js": "js/board.0123456789ab.js"})
    assert storage.url("js/board.js") == "/static/js/board.0123456789ab.js"


def test_before_collectstatic_pages_link_the_plain_names(tmp_path):
    assert _storage(tmp_path, None).url("js/board.js") == "/static/js/board.js"


def test_a_file_missing_from_the_manifest_still_fails_loudly(tmp_path):
    storage = _storage(tmp_path, {"js/board.js": "js/board.0123456789ab.js"})
    try:
        storage.url("js/nowhere.js")
    except ValueError as error:
        assert "nowhere.js" in str(error)
    else:
        raise AssertionError("a file missing from the manifest was linked")


def test_production_settings_choose_the_hashed_compressed_storage():
    # The suite runs with DEBUG off, as production does; conftest serves plain names.
    assert not settings.DEBUG
    from crsmonitor import settings as production

    assert (
        production.STORAGES["staticfiles"]["BACKEND"] == "crsmonitor.staticfiles.HashedStaticFiles"
    )
