"""airlib.io.safe_yaml: size, encoding, depth, aliases, syntax — every problem an InputDataError naming the file."""

from __future__ import annotations

import dataclasses
import random

import pytest

from airlib.errors import InputDataError
from airlib.io.safe_yaml import load_yaml_file
from airlib.io.text_decoding import decode_text
from airlib.settings import DEFAULT

DOC = "plan:\n  id: 测试\n  district: 门头沟区\ntargets:\n  - id: T1\n    value: 25.5\n"
EXPECTED = {"plan": {"id": "测试", "district": "门头沟区"}, "targets": [{"id": "T1", "value": 25.5}]}


def _write(tmp_path, name: str, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _err(path, settings=None) -> str:
    with pytest.raises(InputDataError) as ei:
        load_yaml_file(path, settings)
    msg = str(ei.value)
    assert str(path) in msg  # every message names the file
    return msg


def test_utf8_and_bom_read_alike(tmp_path):
    assert load_yaml_file(_write(tmp_path, "a.yaml", DOC.encode())) == EXPECTED
    assert load_yaml_file(_write(tmp_path, "b.yaml", b"\xef\xbb\xbf" + DOC.encode())) == EXPECTED


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_gbk_chinese_text_is_decoded(tmp_path, codec):
    assert load_yaml_file(_write(tmp_path, "g.yaml", DOC.encode(codec))) == EXPECTED


def test_gbk_detection_needs_chinese_and_no_controls():
    # valid GB18030 bytes but no Chinese character: refused, not guessed
    with pytest.raises(InputDataError, match="save the file as UTF-8"):
        decode_text("name: café\n".encode("latin-1"), file="x.yaml")
    # Chinese text with mostly characters only GB18030's 4-byte codes reach: refused
    with pytest.raises(InputDataError, match="UTF-8"):
        decode_text("名称: 区 ₂₂₂₂₂\n".encode("gb18030"), file="x.yaml")
    # ... the odd one (CO₂ in a plan) is fine: 1 of 11 non-ASCII characters
    assert decode_text("名称: 门头沟区大气污染防治 CO₂\n".encode("gb18030"), file="x.yaml")[1] == "gb18030"
    # a control character decoded from GB18030: refused
    with pytest.raises(InputDataError, match="UTF-8"):
        decode_text("名称: 区\x85\n".encode("gb18030"), file="x.yaml")
    text, enc = decode_text("名称: 区\n".encode("gbk"), file="x.yaml")
    assert (text, enc) == ("名称: 区\n", "gb18030")


def test_random_bytes_refused(tmp_path):
    rnd = random.Random(7)
    p = _write(tmp_path, "r.yaml", bytes(rnd.randrange(1, 256) for _ in range(5000)))
    assert "save the file as UTF-8" in _err(p)
    assert "NUL" in _err(_write(tmp_path, "n.yaml", b"a: 1\x00\x00"))
    # UTF-16 with its byte-order mark is text, read like every other text input
    assert load_yaml_file(_write(tmp_path, "u16.yaml", DOC.encode("utf-16"))) == EXPECTED


def test_size_limit_edge(tmp_path):
    s = dataclasses.replace(DEFAULT, yaml_max_bytes=len(DOC.encode()))
    p = _write(tmp_path, "a.yaml", DOC.encode())
    assert load_yaml_file(p, s) == EXPECTED  # exactly at the limit: read
    p.write_bytes(DOC.encode() + b"\n")
    assert "yaml_max_bytes" in _err(p, s)  # one byte over: refused


def test_depth_limit_edge(tmp_path):
    s = dataclasses.replace(DEFAULT, yaml_max_depth=10)
    ok = _write(tmp_path, "ok.yaml", ("- " * 10 + "1\n").encode())
    v = load_yaml_file(ok, s)
    for _ in range(10):
        v = v[0]
    assert v == 1
    deep = _write(tmp_path, "deep.yaml", ("- " * 11 + "1\n").encode())
    assert "yaml_max_depth" in _err(deep, s)


@pytest.mark.parametrize("text", [
    "[" * 20000 + "]" * 20000,  # flow
    "- " * 20000 + "1\n",  # block sequence
    "".join(" " * i + "a:\n" for i in range(1000)),  # block mapping
])
def test_very_deep_files_refused_without_recursion_error(tmp_path, text):
    msg = _err(_write(tmp_path, "deep.yaml", text.encode()))
    assert "nest" in msg


BOMB = "\n".join(
    [f"a0: &a0 [{', '.join(['lol'] * 9)}]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
) + "\n"


def test_alias_bomb_refused(tmp_path):
    msg = _err(_write(tmp_path, "bomb.yaml", BOMB.encode()))
    assert "yaml_max_nodes" in msg and "alias bomb" in msg


def test_alias_count_limit_edge(tmp_path):
    s = dataclasses.replace(DEFAULT, yaml_max_aliases=3)
    base = "src: &s {section: 一}\n"
    ok = _write(tmp_path, "ok.yaml", (base + "".join(f"k{i}: *s\n" for i in range(3))).encode())
    assert load_yaml_file(ok, s)["k2"] == {"section": "一"}
    bad = _write(tmp_path, "bad.yaml", (base + "".join(f"k{i}: *s\n" for i in range(4))).encode())
    assert "yaml_max_aliases" in _err(bad, s)


def test_expanded_size_limit_edge(tmp_path):
    # a: 1 list node + 3 scalars = 4; b: alias expands to 4 more; c: 1 → 9 values in all
    text = "a: &a [1, 2, 3]\nb: *a\n"
    p = _write(tmp_path, "x.yaml", text.encode())
    # mapping(1) + key a(1) + list(4) + key b(1) + alias(4) = 11
    assert load_yaml_file(p, dataclasses.replace(DEFAULT, yaml_max_nodes=11)) == {"a": [1, 2, 3], "b": [1, 2, 3]}
    assert "yaml_max_nodes" in _err(p, dataclasses.replace(DEFAULT, yaml_max_nodes=10))


def test_syntax_error_gives_line_and_column(tmp_path):
    msg = _err(_write(tmp_path, "s.yaml", b"a: 1\nb: [1, 2\nc: 3\n"))
    assert "line 3" in msg and "column" in msg


def test_duplicate_key_refused(tmp_path):
    msg = _err(_write(tmp_path, "d.yaml", b"a: 1\nb: 2\na: 3\n"))
    assert "'a' appears twice" in msg and "line 3" in msg and "first at line 1" in msg


def test_merge_keys_may_be_overridden(tmp_path):
    p = _write(tmp_path, "m.yaml", b"base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  a: 3\n")
    assert load_yaml_file(p) == {"base": {"a": 1, "b": 2}, "x": {"a": 3, "b": 2}}
    p = _write(tmp_path, "m2.yaml", b"base: &b {a: 1}\nx:\n  <<: *b\n  c: 3\n  c: 4\n")
    assert "'c' appears twice" in _err(p)


def test_unsafe_tag_refused(tmp_path):
    msg = _err(_write(tmp_path, "t.yaml", b"a: !!python/object/apply:os.system ['echo pwned']\n"))
    assert "constructor" in msg


def test_control_character_refused(tmp_path):
    msg = _err(_write(tmp_path, "c.yaml", b"a: 1\nb: x\x07y\n"))
    assert "line 2, column 5" in msg and "U+0007" in msg


def test_missing_file_and_folder(tmp_path):
    assert "not found" in _err(tmp_path / "nope.yaml")
    (tmp_path / "dir.yaml").mkdir()
    assert "not a regular file" in _err(tmp_path / "dir.yaml")


def test_empty_file_is_none(tmp_path):
    assert load_yaml_file(_write(tmp_path, "e.yaml", b"")) is None
