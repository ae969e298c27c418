"""Names shared by the consumers (no trigger word: read by the map, never parsed)."""
ORDERS = "orders"
