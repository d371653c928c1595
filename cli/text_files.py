"""Reading a text file as Dutch offices write them: UTF-8, UTF-8 with a byte order mark (Excel's
"CSV UTF-8"), or Windows-1252 (Excel's plain "CSV" on a Dutch Windows). Anything else is refused
with the file's name and why, never read as mojibake; `--encoding` names any other codec.

UTF-8 is tried first and strictly: a Windows-1252 file with a letter beyond ASCII (é, ë, €) is not
valid UTF-8, while a UTF-8 file is almost never valid text when read as Windows-1252 the other way
round, so the order decides rightly. Windows-1252 leaves five bytes undefined (0x81, 0x8D, 0x8F,
0x90, 0x9D): a file holding one is neither.
"""

import codecs
from pathlib import Path

DETECTED = ("utf-8", "cp1252")
# Byte order marks of encodings a spreadsheet may write but this reader does not guess.
OTHER_MARKS = {codecs.BOM_UTF32_LE: "UTF-32", codecs.BOM_UTF32_BE: "UTF-32",
               codecs.BOM_UTF16_LE: "UTF-16", codecs.BOM_UTF16_BE: "UTF-16"}


class UnreadableText(ValueError):
    """The file is not text in the encodings read; the message names the file and says what to do."""


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding it was read in (`utf-8-sig` for UTF-8 with a byte order mark)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableText(f"cannot read {path}: {exc.strerror or exc}") from None
    if encoding is not None:
        return _decoded(path, raw, encoding), encoding
    if raw.startswith(codecs.BOM_UTF8):
        return _decoded(path, raw, "utf-8-sig"), "utf-8-sig"
    for mark, name in OTHER_MARKS.items():  # UTF-32's marks begin with UTF-16's: they are tried first
        if raw.startswith(mark):
            raise UnreadableText(f"{path} is {name} (it starts with a {name} byte order mark); save it as "
                                 f"CSV UTF-8, or pass --encoding {name.lower()}")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise UnreadableText(f"{path} holds a NUL byte at byte {nul}: it is not text in UTF-8 or Windows-1252 "
                             "(perhaps UTF-16 without a byte order mark: pass --encoding utf-16)")
    for name in DETECTED:
        try:
            return raw.decode(name), name
        except UnicodeDecodeError as exc:
            failure = exc
    raise UnreadableText(f"{path} is neither UTF-8 nor Windows-1252: byte 0x{raw[failure.start]:02X} at byte "
                         f"{failure.start} is undefined in both; pass --encoding with the file's encoding")


def _decoded(path: Path, raw: bytes, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UnreadableText(f"unknown encoding '{encoding}' for {path}") from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableText(f"{path} is not {encoding}: byte 0x{raw[exc.start]:02X} at byte {exc.start} "
                             f"({exc.reason})") from None
