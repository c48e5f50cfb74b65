"""Reads and writes. The only package that commits a session."""
