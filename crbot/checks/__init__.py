"""What `crbot doctor` checks, one module per concern; `crbot.doctor` runs them in order."""
