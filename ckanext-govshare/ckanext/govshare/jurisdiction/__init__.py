"""Jurisdiction profiles: the numbers and switches of the procedures."""
