"""Every rule lives in a module of this package (one rule per module, named after the rule).

Modules are found by ``registry.all_rules``; adding a rule is adding a module.
"""
