"""Pure rules: each turns analytics state + expectations + thresholds into a RuleResult.

A rule never does I/O and never raises on odd data: missing inputs give
INSUFFICIENT_DATA with a message saying what is missing.
"""
