"""The pipeline's core: understanding, the choice among speech hypotheses, carrying out, confirmation.

Each module holds one pure part; :mod:`app.core.assistant` is the orchestrator
over them.
"""
