"""What speech-to-text heard, read for the stages after it: transcripts with characters read alike, the
sentences the audio supports among those the templates allow, and whether a language repairs at all. Pure
functions of one `HomeView` (and the hypotheses of one utterance)."""

from __future__ import annotations

from typing import Any

from app.core.home_view import HomeView
from intents.grammar_repair import HeardSentences
from intents.homophones import HomophoneRepairer
from intents.vocabulary import Vocabulary


def read_alike(view: HomeView, texts: list[str]) -> list[str]:
    """Each transcript with its unknown characters swapped for known ones read alike ("把左侧窗帘和上":
    "把左侧窗帘合上"), for the LLM to read: a swap keeps the sound and changes only the characters
    Whisper picked (characters one sound apart are swapped only where the audio judges the variant: 温室充电开
    is no reading of 文室充连开, heard for 卧室窗帘开). Only where one variant free of unknown words is the
    cheapest and, at that cost, makes the most known pairs of characters (啟动: 启动, not 七动), and with the
    numbers written; 掉 (diao) may be 调 or 吊, and then the model reads what was written. Unchanged for a
    language repaired by sound."""
    repairer = view.repairer
    if not isinstance(repairer, HomophoneRepairer):
        return texts
    read = []
    for text in texts:
        # A reading never makes a number (打开摆 is not 打开百, 100); it may lose one that was a character
        # read alike (换一手, "one hand", is 换一首, "another song").
        numbers = view.vocab.numbers(text)
        known = [v for v in repairer.variants(text, near=False) if not view.unknown_words(v.text)
                 and view.vocab.numbers(v.text) <= numbers] if view.unknown_words(text) else []
        low = min((v.cost for v in known), default=0.0)
        cheapest = [v.text for v in known if v.cost == low]
        most = max(map(repairer.known_pairs, cheapest), default=0)
        best = [t for t in cheapest if repairer.known_pairs(t) == most]
        read.append(best[0] if len(best) == 1 else text)
    return read


def in_grammar(view: HomeView, hypotheses: Any) -> list[HeardSentences]:
    """The sentences the templates allow that the audio supports best, where speech-to-text can decode
    constrained to them."""
    if view.word_graph is None or not hasattr(hypotheses, "in_grammar"):
        return []
    return [HeardSentences(hypotheses.in_grammar(view.word_graph), view.vocab)]


def repairs(vocab: Vocabulary) -> bool:
    """Whether a misheard transcript may be repaired: by the sound of words, or by characters read alike."""
    return vocab.repairs_by_sound or vocab.readings is not None
