"""The project pass's text searches give the answers of their plain definitions.

The whole-program pass asks every file which words it holds: whether it needs a full summary
(``needs_full_summary``: any of its words), whether it names modules in configuration strings, and
which of the names asked about it mentions as words (``complete_summaries``' ``_mentioned``). The
searches are written for speed (shared substrings first, one pattern for the words that start
with a dot, a pattern that starts with the name); these tests hold them to the plain definitions
on texts built to trip them: every word alone, at the start and end of the text, inside longer
identifiers, next to non-ASCII letters.
"""
from __future__ import annotations

import re

from propagation_lint.program import model as program_model
from propagation_lint.program import summary

_CONTEXTS = ("{}", "x = {}\n", "a{}", "{}b", "é{}", "{}é", "_{}_", "# {}\n", "'{}'", "1{}", "{}1")


def _texts(words):
    for word in words:
        for context in _CONTEXTS:
            yield context.format(word)
        yield word[:-1]  # a word cut short holds none of them
        yield word[1:]


def test_needs_full_summary_is_any_of_its_words():
    texts = list(_texts(summary._FULL_WORDS)) + ["", "obj.delay (x)", ".si", "tracer.trace", "start_spam"]
    for text in texts:
        assert summary.needs_full_summary(text) == (
            any(w in text for w in summary._FULL_WORDS) or bool("task" in text and "@" in text
                                                                 and summary._TASK_DECORATOR.search(text))), text


def test_configuration_words_are_found_as_substrings():
    for text in list(_texts(summary._CONFIG_WORDS)) + ["", "INSTALLED_APP", "importmodule"]:
        assert summary._holds_any(text, summary._CONFIG_GROUPS) == any(w in text for w in summary._CONFIG_WORDS), text


def test_mentioned_names_are_the_words_a_word_boundary_pattern_finds(tmp_path):
    names = {"publish", "send_order", "x1", "émettre"}
    texts = list(_texts(sorted(names))) + ["publish_order send_orders", "a.publish(b)", "émettre()", "publisher"]
    for k, text in enumerate(texts):
        path = tmp_path / f"m{k}.py"
        path.write_text(text, encoding="utf-8")
        expected = set(re.findall(r"\b(?:%s)\b" % "|".join(re.escape(n) for n in sorted(names)), text))
        assert program_model._mentioned(str(path), names, {}) == expected, text
