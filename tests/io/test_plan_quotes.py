"""Plan files true to their documents (issue #13 item 7): every ``source.quote`` is verbatim.

The rule (docs/plans.md §1, "Quotes"): a quote is compared with its document after removing
whitespace only (the seeds wrap lines, and the PDF extraction puts spaces around Latin words
and numbers); punctuation, full- or half-width, must be the document's own. ``……`` in a quote
marks an elision: each part must appear verbatim, in order. A quote is looked up in the plan's
seed (``plan.seed_file`` in the shared ``seeds/`` folder), or, when its ``source.document`` is
``standards.md``, in the shared domain notes (``domain/standards.md``). A quote with no document
to check it against fails.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from airlib.io.plans import load_plan, plan_dir
from tests.conftest import SHARED_DATA

SEEDS = SHARED_DATA.parent / "seeds"
DOMAIN = SHARED_DATA.parent / "domain"
REFERENCES = {"standards.md": DOMAIN / "standards.md"}  # source.document → file
PLAN_FILES = sorted(plan_dir().glob("*.yaml"))

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"plan seeds not found at {SEEDS}")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def verbatim(quote: str, document: str) -> str | None:
    """None when ``quote`` appears in ``document`` (whitespace removed; ``……`` = elision, parts
    in order); else the first part that does not."""
    doc, pos = _norm(document), 0
    for part in _norm(quote).split("……"):
        if not part:
            continue
        i = doc.find(part, pos)
        if i < 0:
            return part
        pos = i + len(part)
    return None


def test_the_rule_at_its_edges():
    doc = "门头沟区 PM_{2.5} 平均浓度同比下降 25% 以上，重污染\n天数同比下降 20% 以上。"
    assert verbatim("门头沟区PM_{2.5}平均浓度 同比下降25%以上", doc) is None  # whitespace only
    assert verbatim("重污染天数同比下降", doc) is None  # a wrapped line
    assert verbatim("门头沟区……重污染天数", doc) is None  # elision, in order
    assert verbatim("重污染天数……门头沟区", doc) == "门头沟区"  # not in order
    assert verbatim("PM2.5 平均浓度", doc) == "PM2.5平均浓度"  # no other normalisation
    assert verbatim("下降 25% 以上,重污染", doc) == "下降25%以上,重污染"  # punctuation must match


def _quotes(plan):
    for item in [*plan.targets, *plan.tasks]:
        yield item.id, item.source
        for s in item.other_statements:
            yield f"{item.id} ({s.field})", s.source
    if plan.alert_rules is not None:
        rules = plan.alert_rules
        for i, src in enumerate([*([rules.source] if rules.source else []), *rules.sources]):
            yield f"alert_rules source {i + 1}", src


@pytest.mark.parametrize("path", PLAN_FILES, ids=[p.stem for p in PLAN_FILES])
def test_every_quote_appears_verbatim_in_its_document(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = load_plan(path, warn=False)
    texts: dict[str, str] = {}
    bad, n = [], 0
    for ident, src in _quotes(plan):
        if src.quote is None:
            continue
        if src.document in REFERENCES:
            file = REFERENCES[src.document]
        elif plan.plan.seed_file and src.document in (None, plan.plan.document):
            file = SEEDS / plan.plan.seed_file
        else:
            bad.append(f"{ident}: no document to check the quote against ({src.document!r})")
            continue
        if not file.is_file():
            pytest.skip(f"{file} not found")
        text = texts.setdefault(str(file), file.read_text(encoding="utf-8"))
        n += 1
        missing = verbatim(src.quote, text)
        if missing is not None:
            bad.append(f"{ident}: {missing!r} not in {file.name}")
    assert bad == [], "\n".join(bad)
    assert n > 0
