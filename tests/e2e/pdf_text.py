"""The text of each page of a PDF that Chromium printed, for assertions.

Chromium (Skia) writes each page's text as glyph ids in hex strings under a
font whose ToUnicode map says which characters they are; this reads exactly
that and nothing more, so a test needs no PDF library."""

import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.DOTALL)
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
REFERENCE = rb"(\d+) 0 R"


def page_texts(pdf: bytes) -> list[str]:
    objects = {int(number): body for number, body in OBJECT.findall(pdf)}
    root = next(n for n, body in objects.items() if re.search(rb"/Type\s*/Pages\b", body))
    # The root of the page tree is the /Pages node no other node lists as a kid.
    kids_of = {
        n: _refs(_entry(body, b"Kids"))
        for n, body in objects.items()
        if re.search(rb"/Type\s*/Pages\b", body)
    }
    listed = {kid for kids in kids_of.values() for kid in kids}
    root = next(n for n in kids_of if n not in listed)
    return [_page_text(objects, page) for page in _pages(objects, root)]


def _pages(objects, node):
    body = objects[node]
    if re.search(rb"/Type\s*/Pages\b", body):
        for kid in _refs(_entry(body, b"Kids")):
            yield from _pages(objects, kid)
    else:
        yield node


def _entry(body: bytes, key: bytes) -> bytes:
    """The value of /key in a dictionary: a reference, an array or a dictionary."""
    match = re.search(rb"/" + key + rb"\s*", body)
    if not match:
        return b""
    rest = body[match.end() :]
    if rest.startswith(b"["):
        return rest[: rest.index(b"]") + 1]
    if rest.startswith(b"<<"):
        depth, i = 0, 0
        while i < len(rest):
            if rest.startswith(b"<<", i):
                depth, i = depth + 1, i + 2
            elif rest.startswith(b">>", i):
                depth, i = depth - 1, i + 2
                if depth == 0:
                    return rest[:i]
            else:
                i += 1
    found = re.match(REFERENCE, rest)
    return found.group(0) if found else b""


def _refs(value: bytes) -> list[int]:
    return [int(n) for n in re.findall(REFERENCE, value)]


def _resolve(objects, value: bytes) -> bytes:
    found = re.fullmatch(REFERENCE, value.strip())
    return objects[int(found.group(1))] if found else value


def _stream(body: bytes) -> bytes:
    data = STREAM.search(body).group(1)
    return zlib.decompress(data) if b"/FlateDecode" in body[: body.find(b"stream")] else data


def _unicode_map(cmap: bytes) -> dict[bytes, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.DOTALL):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[bytes.fromhex(src.decode())] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.DOTALL):
        for low, high, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            width = len(low) // 2
            start, first = int(low, 16), int(dst, 16)
            for code in range(start, int(high, 16) + 1):
                text = (first + code - start).to_bytes(len(dst) // 2, "big").decode("utf-16-be")
                mapping[code.to_bytes(width, "big")] = text
    return mapping


TOKEN = re.compile(rb"/([^\s/<>\[\]()]+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>|\b(BT|ET)\b")


def _page_text(objects, page: int) -> str:
    body = objects[page]
    resources = _resolve(objects, _entry(body, b"Resources"))
    fonts = _resolve(objects, _entry(resources, b"Font"))
    maps = {}
    for name, number in re.findall(rb"/([^\s/<>\[\]()]+)\s+(\d+) 0 R", fonts):
        font = objects[int(number)]
        to_unicode = _entry(font, b"ToUnicode")
        if to_unicode:
            maps[name] = _unicode_map(_stream(_resolve(objects, to_unicode)))
    content = b"".join(_stream(objects[n]) for n in _refs(_entry(body, b"Contents")))
    text, mapping = [], {}
    for font, glyphs, operator in TOKEN.findall(content):
        if font:
            mapping = maps.get(font, {})
        elif operator:
            if text and text[-1] != "\n":
                text.append("\n")
        elif glyphs and mapping:
            raw = bytes.fromhex(glyphs.decode())
            width = len(next(iter(mapping)))
            text.extend(mapping.get(raw[i : i + width], "") for i in range(0, len(raw), width))
    return "".join(text)
