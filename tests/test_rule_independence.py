"""One rule's findings never depend on which other rules are enabled (issue 19, item 8).

The prefilter and the promotion of skipped files must not let one rule's trigger words decide
whether another rule sees a file. The only interaction allowed is the documented merge: a CTX103
on the same call as a CTX101/CTX102 is carried by that finding as evidence ("also CTX103: ...").
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from propagation_lint.check import CheckOptions, run_check
from propagation_lint.registry import all_rules

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [ROOT / "fixtures" / "shop", ROOT / "fixtures" / "django_celery",
           ROOT / "tests" / "rule_fixtures" / "publishing", ROOT / "tests" / "rule_fixtures" / "conventions",
           ROOT / "tests" / "rule_fixtures" / "threads", ROOT / "tests" / "rule_fixtures" / "consumers"]


def _lint(target: Path, select) -> list:
    out = io.StringIO()
    options = CheckOptions(paths=(str(target),), select=tuple(select), output_format="json", use_cache=False, jobs=1)
    assert run_check(options, stdout=out, cwd=target) in (0, 1)
    return json.loads(out.getvalue())


def _keys(findings, code=None) -> set:
    return {(f["path"], f["line"], f["column"], f["code"]) for f in findings if code is None or f["code"] == code}


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.name)
def test_each_rule_alone_finds_what_it_finds_among_all(corpus):
    codes = sorted(r.code for r in all_rules() if r.code and not r.code.startswith("CTX0"))
    together = _lint(corpus, codes)
    assert together, "a corpus with no finding tests nothing"
    merged = {(f["path"], r["line"], r["column"], r["message"].split(":", 1)[0].replace("also ", ""))
              for f in together for r in f["related"] if r["message"].startswith("also CTX")}
    for code in codes:
        alone = _keys(_lint(corpus, [code]), code)
        among = _keys(together, code)
        assert alone - merged == among, (code, sorted(alone ^ among))
