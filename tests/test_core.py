"""The pipeline's core with small fakes: typed failures, replies and exit codes, the dialog, the home view."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.config import Settings
from app.core.assistant import Assistant
from app.core.failure import Failure, InputError
from devices.mqtt import MqttError
from devices.registry import Area, Entity, build_home, load_fixture_file
from tests.conftest import FIXTURES, HA_TESTS_ZH

pytestmark = pytest.mark.fast

HOME = build_home(load_fixture_file(FIXTURES), topic_base="home")


class FakeLink:
    """Records what would be published; ``down`` makes every publish fail as a dead broker does."""

    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.sent: list[tuple[str, str]] = []
        self.connected = not down

    def publish(self, topic: str, payload: str, retain: bool = False, wait: bool = True) -> None:
        if self.down:
            raise MqttError("broker 127.0.0.1:1 is unreachable")
        self.sent.append((topic, payload))

    def probe(self) -> None:
        """A live broker answers at once; a dead one as ``publish`` fails."""
        if self.down:
            raise MqttError("broker 127.0.0.1:1 is unreachable")


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(intents={"stage": "templates"})


def test_done(settings: Settings) -> None:
    link = FakeLink()
    outcome = Assistant(settings, HOME, link).handle("turn on the garage light")
    assert outcome.failure is None and outcome.exit_code == 0 and outcome.published
    assert [topic for topic, _ in link.sent] == ["home/light/garage/set", "hearth/hearth/intent"]


@pytest.mark.parametrize("text, failure, reply", [
    ("sing me a song", Failure.NOT_UNDERSTOOD, "Sorry, I didn't understand that"),
    # Home Assistant's own error response of the language, with the resolver's reason.
    ("turn on the fan in the kitchen", Failure.NOT_POSSIBLE, "Sorry, I am not aware of any fan in the Kitchen area"),
])
def test_not_understood_and_not_possible(settings: Settings, text: str, failure: Failure, reply: str) -> None:
    outcome = Assistant(settings, HOME, FakeLink()).handle(text)
    assert (outcome.failure, outcome.reply, outcome.exit_code, outcome.failed) == (failure, reply, 1, True)


def test_replies_in_the_language_of_the_home(settings: Settings) -> None:
    home = build_home(load_fixture_file(HA_TESTS_ZH / "_fixtures.yaml"), topic_base="home")
    chinese = Assistant(settings.with_language("zh-cn"), home, FakeLink())
    assert chinese.handle("唱首歌").reply == "抱歉，我没听懂"
    assert chinese.handle("打开车库的风扇").reply == "抱歉，在 车库 区域没有找到 fan 设备"


def test_no_broker_and_not_delivered_are_told_apart(settings: Settings) -> None:
    nobody = Assistant(settings, HOME, None).handle("turn on the garage light")
    down = Assistant(settings, HOME, FakeLink(down=True)).handle("turn on the garage light")
    assert nobody.failure is Failure.NO_BROKER and "no MQTT broker is configured" in nobody.reply
    assert down.failure is Failure.NOT_DELIVERED and down.reply == "Sorry, I couldn't reach your devices"
    assert not down.published and down.exit_code == 1
    dry = Assistant(settings, HOME, None).handle("turn on the garage light", dry_run=True)
    assert dry.failure is None and dry.messages and not dry.published  # decided, nothing sent


def test_confirmation_dialog(settings: Settings) -> None:
    link = FakeLink()
    assistant = Assistant(settings, HOME, link)
    asked = assistant.handle("unlock the front door")
    assert asked.failure is Failure.NEEDS_CONFIRMATION and asked.awaiting_confirmation and asked.exit_code == 1
    assert asked.reply == "Do you want me to unlock the Front Door? Say yes to confirm." and not link.sent
    declined = assistant.handle("no")
    assert declined.failure is Failure.DECLINED and declined.reply == "Okay, I won't" and declined.exit_code == 0
    assistant.handle("unlock the front door")
    confirmed = assistant.handle("yes")
    assert confirmed.failure is None and confirmed.published and confirmed.decision.intent == "HassTurnOff"
    assistant.handle("unlock the front door")
    other = assistant.handle("turn on the garage light")  # anything else drops the question
    assert other.decision.intent == "HassTurnOn" and not assistant.dialog.waiting("hearth")


def test_bad_input_is_an_input_error(settings: Settings) -> None:
    assistant = Assistant(settings, HOME)
    with pytest.raises(InputError, match="empty"):
        assistant.handle("   ")
    with pytest.raises(InputError, match="too long"):
        assistant.handle("lamp " * 200)


def test_a_new_home_is_one_new_view(settings: Settings) -> None:
    assistant = Assistant(settings, HOME)
    before = assistant.view
    grown = replace(HOME, areas=(*HOME.areas, Area("den", "Den")),
                    entities=(*HOME.entities, Entity("light.den", "Den Light", area_id="den")))
    assistant.offer_home(grown)
    assert assistant.wait_for_home()  # built in the background...
    assert assistant.view is before  # ...and nothing changes until the next utterance takes it up...
    understood = assistant.understand("turn on the den light")
    after = assistant.view
    assert understood.decision.targets == ("light.den",) and after is not before
    assert after.home is grown and "Den" in after.stt_prompt and "den" in after.repairer.vocabulary
    assert before.home is HOME and "Den" not in before.stt_prompt  # ...and the old view is untouched
    assert before.recognizer.recognize("turn on the den light").intent is None


def test_lower_layers_never_import_the_app() -> None:
    import re

    from tests.conftest import ROOT

    for layer in ("devices", "intents", "models"):
        for path in (ROOT / layer).rglob("*.py"):
            imports = re.findall(r"^\s*(?:from|import) (app)\b", path.read_text(), re.M)
            assert not imports, f"{path.relative_to(ROOT)} imports app/"


def test_asking_for_the_llm_mid_utterance_takes_up_no_new_home(settings: Settings) -> None:
    """The templates and the LLM of one utterance read the same home."""
    assistant = Assistant(settings, HOME)
    before = assistant.view
    assistant.offer_home(replace(HOME, areas=(*HOME.areas, Area("den", "Den"))))
    assert assistant.wait_for_home()
    assistant.llm_stage()
    assert assistant.view is before
    assistant.understand("turn on the garage light")  # the next utterance takes it up
    assert assistant.view is not before and assistant.view.home.find_area("Den") is not None
