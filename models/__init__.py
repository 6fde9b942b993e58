"""Where model files come from and how they are loaded.

The text pipeline needs no model files: Home Assistant's sentence templates
and responses come from the ``home-assistant-intents`` package. Speech-to-text,
the LLM stage and text-to-speech add their loaders here.
"""
