"""Hearth's runtime: configuration, the pipeline, the command line and the demo."""
