"""Microsoft Teams: activities in, Adaptive Cards out; Bot Framework types stay in here."""
