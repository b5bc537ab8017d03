"""Synthetic people on a known floor through a known camera: exact truth for the rules
where real footage cannot give it (the tests, and the synthetic branch day)."""
