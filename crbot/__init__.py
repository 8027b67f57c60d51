"""crbot's composition root: settings, storage, core, adapters and scheduler, wired together."""
