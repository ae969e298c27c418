"""Which calls hand work to another thread or process, and which keep the caller's context.

(Rows are added by the thread rules, CTX2xx; see domain.md §D and §G.1.)
"""
CLASSES = ()
FACTORIES = ()
