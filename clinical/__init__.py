"""The clinical vocabulary: devices, drugs, labs, plausible ranges and wording.

Pure Python, no Django. The chart, the grading and the rules all import it;
it imports nothing of ours, so a rule never depends on how the chart stores
a value.
"""
