"""The facilitator's console: signing in from chat, its pages over HTTP, and in Chromium."""
