"""A long-running Hearth whose home changes (discovery): the LLM stage keeps answering (#29), and the
new home is built off the utterance thread (#33)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import replace

from app.config import Settings
from app.core.assistant import Assistant
from devices.registry import Area, Entity, build_home, load_fixture_file
from tests.conftest import FIXTURES

HOME = build_home(load_fixture_file(FIXTURES))
TEXT = "could you kill the kitchen lights, it is late"


def _smaller_home():
    """The home with every other device gone and a new room: another set of examples in the prompt."""
    kept = tuple(e for i, e in enumerate(HOME.entities) if i % 2 == 0 or "kitchen" in e.id)
    return replace(HOME, areas=(*HOME.areas, Area("den", "Den")),
                   entities=(*kept, Entity("light.den_lamp", "Den Lamp", area_id="den")))


def test_the_llm_stage_answers_after_discovery_changed_the_home() -> None:
    assistant = Assistant(Settings(), HOME)
    before = assistant.llm_stage()
    assert before is not None and assistant.understand(TEXT, bounded=False).decision.acts
    assistant.offer_home(_smaller_home())
    assert assistant.wait_for_home()
    after = assistant.understand(TEXT, bounded=False)
    assert assistant.view.llm is not None and assistant.view.llm.prompt != before.prompt  # a new fixed prompt...
    assert after.llm is not None and after.llm.refused is None and after.decision.acts  # ...and still answered
    assert after.llm.prompt_tokens < 40  # the new prompt was in the KV cache already: only the words were read
    den = assistant.understand("could you kill the den lamp, it is late", bounded=False)
    assert den.decision.targets == ("light.den_lamp",)


def test_a_prompt_not_in_the_cache_costs_time_not_an_answer() -> None:
    """Should a request meet another home's prompt in the KV cache (a home swapped while it waited), the
    shared prompt is evaluated and the words are still read: only the words count against the budget."""
    llm = Assistant(Settings(), HOME).llm_stage()
    assert llm is not None and llm.recognize(TEXT, {}, deadline=math.inf).answer
    home = _smaller_home()
    other = llm.with_home(home, llm.templates.with_home(home))  # not warmed
    assert other.prompt != llm.prompt
    result = other.recognize(TEXT, {}, deadline=math.inf)
    assert result.refused is None and result.recognition.intent == "HassTurnOff"
    assert result.prompt_tokens > llm.settings.max_input_tokens  # the whole prompt was read, as it had to be


def test_commands_do_not_wait_for_a_home_being_built() -> None:
    """A home offered while commands run is built on its own thread; each command meanwhile uses the
    last home ready, and the new one is used once built."""
    assistant = Assistant(Settings(), HOME)
    assistant.understand("turn on the kitchen lights")
    started = threading.Event()
    slow = assistant.homes._builder._build

    def build_slowly(home):  # a home that takes long to build (a huge discovery config)
        started.set()
        time.sleep(2.0)
        return slow(home)

    assistant.homes._builder._build = build_slowly
    assistant.offer_home(_smaller_home())
    assert started.wait(5)
    begun = time.monotonic()
    meanwhile = assistant.understand("turn on the kitchen lights")
    assert time.monotonic() - begun < 1.5 and meanwhile.decision.acts  # not behind the build
    assert assistant.view.home is HOME
    assert assistant.wait_for_home()
    assert assistant.understand("turn on the den lamp").decision.targets == ("light.den_lamp",)
