"""The local page: what Hearth heard and did, and where to correct it."""
