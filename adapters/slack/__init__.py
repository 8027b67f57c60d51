"""The Slack platform: bolt listeners, Block Kit rendering, and a ChatPort over the Web API."""
