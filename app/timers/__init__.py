"""Timers and delayed commands, run by Hearth itself: the book, its file, the intents, the service."""
