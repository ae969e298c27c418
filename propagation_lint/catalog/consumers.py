"""Which calls and functions consume messages, and where each message's carrier lives.

(Rows are added by the consumer rules, CTX3xx; see domain.md §B and §G.)
"""
CLASSES = ()
FACTORIES = ()
