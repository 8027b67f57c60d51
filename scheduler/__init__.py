"""The scheduler: wakes the delivery ledger sender on time, in exactly one replica."""
