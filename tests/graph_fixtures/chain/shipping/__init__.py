"""Shipping service: consumes invoices and re-publishes (multi-hop flows)."""
