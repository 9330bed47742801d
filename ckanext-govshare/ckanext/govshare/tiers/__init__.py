"""Openness tiers: policy, permission labels, scrubbing, download guard."""
