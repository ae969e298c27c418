"""The rule registry: every rule class under ``propagation_lint/rules/``, found by walking the package.

One rule per module (as in fixit's ``rules/`` folder); a module may hold several closely related
rule classes (the CTX0xx file problems do). Rule selection by code or prefix (``CTX1``,
``CTX101``, ``ALL``) follows ruff: the most specific selector wins, and on a tie ``ignore`` wins.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Type

from .rule import Rule


@lru_cache(maxsize=1)
def all_rules() -> Tuple[Type[Rule], ...]:
    from . import rules as rules_pkg

    found: Dict[str, Type[Rule]] = {}
    for info in pkgutil.walk_packages(rules_pkg.__path__, rules_pkg.__name__ + "."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.code:
                if value.__module__ != module.__name__:
                    continue
                if value.code in found and found[value.code] is not value:
                    raise RuntimeError(f"rule code {value.code} defined twice")
                found[value.code] = value
    return tuple(found[c] for c in sorted(found))


def rule_by_code(code: str) -> Optional[Type[Rule]]:
    code = code.upper()
    for rule in all_rules():
        if rule.code == code or rule.name == code.lower():
            return rule
    return None


class AllRules(Sequence):
    """:func:`all_rules`, imported when first used (a report in a format that names no rule's
    metadata imports none of the rules' modules)."""

    def __getitem__(self, index):
        return all_rules()[index]

    def __len__(self) -> int:
        return len(all_rules())

    def __iter__(self):
        return iter(all_rules())


def is_valid_selector(selector: str) -> bool:
    s = selector.upper()
    if s == "ALL":
        return True
    return any(r.code.startswith(s) for r in all_rules()) and s.startswith("CTX")


def _specificity(selector: str, code: str) -> int:
    s = selector.upper()
    if s == "ALL":
        return 0
    return len(s) if code.startswith(s) else -1


def resolve_selection(
    select: Optional[Sequence[str]],
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Tuple[str, ...]:
    """The enabled codes. ``select=None`` means the default set (rules on by default).

    Opt-in rules are enabled only by a selector naming them or their prefix explicitly
    (``ALL`` enables them too, as in ruff).
    """
    enabled: List[str] = []
    for rule in all_rules():
        best_pos = -1
        if select is None:
            if rule.default_enabled:
                best_pos = 0
        for sel in list(select or ()) + list(extend_select):
            best_pos = max(best_pos, _specificity(sel, rule.code))
        if best_pos < 0:
            continue
        best_neg = max((_specificity(sel, rule.code) for sel in ignore), default=-1)
        if best_neg >= 0 and best_neg >= best_pos:
            continue
        enabled.append(rule.code)
    return tuple(enabled)


def instantiate(codes: Iterable[str]) -> List[Rule]:
    wanted = set(codes)
    return [rule() for rule in all_rules() if rule.code in wanted]
