"""What the bot does, one module per feature; each turns a request into a Reply."""
