"""Decoding the bytes of a text file a user supplied (CSV tables, ledgers, YAML configuration).

One rule for every text input of airlib, :func:`decode_text`:

- a UTF-16 byte-order mark (Excel's "Unicode text" export) → UTF-16;
- otherwise UTF-8, with or without BOM, when the bytes are valid UTF-8;
- otherwise GB18030 (a superset of GBK and GB2312, the encodings of Chinese Windows), but only
  when the decoded text *looks like* Chinese text: every character printable (no control,
  private-use or unassigned code points), at least one Chinese character, and at least 90 % of
  the non-ASCII characters plain 2-byte GBK characters (GB18030's 4-byte codes reach all of
  Unicode, so random bytes often "decode"; a real file uses them only for the odd symbol such
  as ``₂``). Anything else is refused with the line of the first bad byte.

A declared encoding (``encoding="gbk"`` / CLI ``--encoding``) is used as declared, and a
declaration that contradicts the bytes (UTF-8 declared, GBK bytes; GBK declared, UTF-8 bytes
or a UTF-8 BOM) is an error rather than a guess. NUL bytes outside UTF-16 mean the file is
not text. Every problem is an :class:`airlib.errors.InputDataError` naming the file.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections import Counter
from os import PathLike

from airlib.errors import InputDataError

__all__ = ["decode_text", "looks_like_gbk_text"]

_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "utf_8": "utf-8", "utf-8-sig": "utf-8-sig", "utf_8_sig": "utf-8-sig",
    "gbk": "gbk", "cp936": "gbk", "gb2312": "gbk", "gb18030": "gb18030",
}


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def looks_like_gbk_text(text: str) -> bool:
    """True when ``text`` (decoded as GB18030) is Chinese text, not decoded noise.

    Parameters
    ----------
    text : str
        The result of ``data.decode("gb18030")``.

    Returns
    -------
    bool
        Every character printable, at least one CJK unified ideograph (U+4E00–U+9FFF), and at
        least 90 % of the non-ASCII characters encodable in GBK.
    """
    has_cjk = False
    non_ascii = gbk = 0
    for ch, k in Counter(text).items():
        if ch in "\t\n\r" or " " <= ch <= "~":
            continue
        if unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"):
            return False
        non_ascii += k
        try:
            ch.encode("gbk")
            gbk += k
        except UnicodeEncodeError:
            pass
        if "\u4e00" <= ch <= "\u9fff":
            has_cjk = True
    return has_cjk and gbk >= 0.9 * non_ascii


def decode_text(
    data: bytes, encoding: str | None = None, *, file: str | PathLike[str] | None = None
) -> tuple[str, str]:
    """Decode a user file's bytes by the rule of this module.

    Parameters
    ----------
    data : bytes
        The whole file.
    encoding : str, optional
        Declared encoding (``utf-8``, ``utf-8-sig``, ``gbk``, ``gb18030``, ``cp936``, ``gb2312``
        or any Python codec); ``None`` detects UTF-16 (BOM), UTF-8 and GBK/GB18030.
    file : path-like, optional
        The file, for messages.

    Returns
    -------
    (str, str)
        The text and the encoding used (``"utf-16"``, ``"utf-8"``, ``"utf-8-sig"``,
        ``"gb18030"`` or the declared one).

    Raises
    ------
    InputDataError
        Bytes that are not text in the detected or declared encoding (naming the line), or a
        declaration the bytes contradict.
    """
    enc = None if encoding is None else _ALIASES.get(encoding.lower().replace(" ", ""), encoding.lower())
    if enc is None and data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputDataError(f"starts with a UTF-16 byte-order mark but is not valid UTF-16 (offset {exc.start})",
                                 file=file) from None
    if b"\x00" in data and enc not in ("utf-16", "utf-16-le", "utf-16-be"):
        raise InputDataError("the file contains NUL bytes: it is not a text file (or is UTF-16 without a "
                             "byte-order mark); save it as UTF-8 text", file=file, row=_line_of(data, data.index(b"\x00")))
    bom = data.startswith(codecs.BOM_UTF8)
    if enc is None or enc in ("utf-8", "utf-8-sig"):
        try:
            return data.decode("utf-8-sig"), ("utf-8-sig" if bom else "utf-8")
        except UnicodeDecodeError as exc:
            line = _line_of(data, exc.start)
            try:
                text: str | None = data.decode("gb18030")
            except UnicodeDecodeError:
                text = None
            if text is None or bom or not looks_like_gbk_text(text):
                raise InputDataError(
                    f"cannot decode the byte 0x{data[exc.start]:02x} at offset {exc.start}: the file is neither "
                    "UTF-8 nor GBK/GB18030 Chinese text; save the file as UTF-8 (e.g. in Notepad: 另存为 → 编码 "
                    "UTF-8) or declare its encoding (encoding=, CLI --encoding)",
                    file=file, row=line,
                ) from None
            if enc is not None:
                raise InputDataError(
                    f"declared encoding {encoding!r} but the bytes are not UTF-8 (they decode as GBK/GB18030); "
                    "pass encoding='gbk' or omit encoding to detect it",
                    file=file, row=line,
                ) from None
            return text, "gb18030"
    if enc in ("gbk", "gb18030"):
        if bom:
            raise InputDataError(f"declared encoding {encoding!r} but the file starts with a UTF-8 BOM", file=file, row=1)
        try:
            data.decode("ascii")
        except UnicodeDecodeError:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                raise InputDataError(
                    f"declared encoding {encoding!r} but the bytes are UTF-8; pass encoding='utf-8' or omit encoding",
                    file=file,
                )
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            raise InputDataError(
                f"bytes at offset {exc.start} are not valid {encoding!r}", file=file, row=_line_of(data, exc.start)
            ) from None
    try:
        return data.decode(enc), enc
    except (LookupError, UnicodeDecodeError) as exc:
        raise InputDataError(f"cannot decode with encoding {encoding!r}: {exc}", file=file) from None
