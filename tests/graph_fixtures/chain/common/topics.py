"""Topic names shared by every service (no trigger word: the linter never parses this file)."""
INVOICES = "invoices"
