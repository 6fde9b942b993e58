"""Simplified Chinese (placeholder while building)."""
from dataclasses import replace

from intents.vocabulary.en import VOCABULARY as _EN

VOCABULARY = replace(_EN, language="zh-cn", word_pattern=r"[a-z0-9%']+|[\u3400-\u9fff]")
