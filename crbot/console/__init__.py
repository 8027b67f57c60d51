"""The facilitator's console in a browser: routes, templates and style on the bot's web server."""
