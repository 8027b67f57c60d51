"""The facilitator's console: signing in from chat and what its pages show (no web code here)."""
