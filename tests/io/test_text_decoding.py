"""The one decoding rule of every text input (airlib.io.text_decoding)."""

from __future__ import annotations

import random

import pytest

from airlib.errors import InputDataError
from airlib.io.text_decoding import decode_text, looks_like_gbk_text

TEXT = "站点,时间,PM2.5\n王平站,2018-01-01 00:00,41\n"


@pytest.mark.parametrize(("data", "used"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("gbk"), "gb18030"),
    (TEXT.encode("utf-16"), "utf-16"),
])
def test_detected_encodings_read_the_same_text(data: bytes, used: str) -> None:
    text, enc = decode_text(data, file="t.csv")
    assert text.lstrip("\ufeff") == TEXT and enc == used


def test_random_bytes_and_nul_bytes_are_refused_naming_the_file() -> None:
    rnd = random.Random(3)
    for _ in range(20):
        data = bytes(rnd.randrange(128, 256) for _ in range(400))
        try:
            text, _ = decode_text(data, file="r.csv")
        except InputDataError as exc:
            assert "r.csv" in str(exc) and "UTF-8" in str(exc)
        else:  # only if the bytes really are Chinese text
            assert looks_like_gbk_text(text)
    with pytest.raises(InputDataError, match="NUL"):
        decode_text(b"a,b\n1,\x002\n", file="n.csv")


def test_declared_encoding_contradicted_by_the_bytes() -> None:
    with pytest.raises(InputDataError, match="bytes are UTF-8"):
        decode_text(TEXT.encode("utf-8"), "gbk", file="x.csv")
    with pytest.raises(InputDataError, match="not UTF-8"):
        decode_text(TEXT.encode("gbk"), "utf-8", file="x.csv")
    assert decode_text(TEXT.encode("gbk"), "gbk", file="x.csv") == (TEXT, "gbk")


def test_gbk_guard_edges() -> None:
    assert not looks_like_gbk_text("caf\u00e9")  # no Chinese character
    assert looks_like_gbk_text("门头沟区大气污染防治 CO₂")  # one 4-byte symbol in 11 (< 10 %)
    assert not looks_like_gbk_text("门头沟区 CO₂")  # one in 5 (20 %)
    assert not looks_like_gbk_text("区 ₂₂₂₂₂")  # mostly 4-byte codes
    assert not looks_like_gbk_text("区\x85")  # a control character
