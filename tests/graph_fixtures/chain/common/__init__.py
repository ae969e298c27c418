"""Shared names."""
