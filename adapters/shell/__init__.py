"""The local shell: a platform like any other, talking to the core as one person in one team."""
