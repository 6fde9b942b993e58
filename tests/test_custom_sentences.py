"""The user's own sentences in Home Assistant's format (#30): every kind of list, digits read as words,
built-in intents unchanged, a clear error (file, line, what) for a bad file that leaves the others in use,
the reload of a running assistant, and what a custom intent does: the intent event, the configured MQTT
message and reply, a spoken yes first where asked, and the event entity Home Assistant triggers on."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from app.broker.ha_device import DeviceTopics, discovery_config
from app.config import ConfigError, MqttSettings, Settings, parse_settings
from app.core.assistant import Assistant
from app.core.custom_turn import whole_numbers
from app.core.failure import Failure
from devices.mqtt import MqttLink
from devices.registry import build_home, load_fixture_file
from intents.custom import merge_custom
from intents.templates import TemplateRecognizer, load_language
from tests.conftest import FIXTURES, Mosquitto, Subscriber

HOME = build_home(load_fixture_file(FIXTURES), topic_base="home")
GRAMMARS = Path(__file__).parent / "data" / "custom_sentences"
ACTIONS = {
    "WaterZone": {"topic": "garden/zone/{{ zone }}/set", "payload": '{"minutes": {{ minutes }}}',
                  "reply": "Watering zone {{ zone }} for {{ minutes }} minutes"},
    "MakeCoffee": {"topic": "kitchen/coffee/brew", "payload": "{{ drink }}|{{ size | default('regular') }}",
                   "confirm": True},
}


def _folder(tmp_path: Path) -> Path:
    shutil.copytree(GRAMMARS, tmp_path / "custom")
    return tmp_path / "custom"


def _settings(folder: Path, port: int = 0, actions: dict | None = None) -> Settings:
    mqtt = MqttSettings(host="127.0.0.1", port=port) if port else MqttSettings()
    return Settings(mqtt=mqtt, intents={"stage": "templates", "custom_sentences": str(folder),
                                        "actions": ACTIONS if actions is None else actions})


def _recognizer(folder: Path) -> TemplateRecognizer:
    custom = merge_custom(load_language("en"), folder, "en")
    assert custom.errors == ()
    return TemplateRecognizer(HOME, "en", custom.data, custom.intents)


@pytest.mark.fast
@pytest.mark.parametrize("text, intent, slots", [
    ("water zone two for ten minutes", "WaterZone", {"zone": 2, "minutes": 10}),  # values, range in words
    ("sprinkle the vegetable patch for 25 minutes", "WaterZone", {"zone": 3, "minutes": 25}),  # rule, digits
    ("water zone 2 for 5 minutes", "WaterZone", {"zone": 2, "minutes": 5}),  # a digit where the list has words
    ("make me a large cappuccino", "MakeCoffee", {"size": "large", "drink": "cappuccino", "machine": "coffee"}),
    ("I'd like a 12 ounce latte", "MakeCoffee", {"size": "12oz", "drink": "latte", "machine": "coffee"}),
    ("brew me a flat white", "MakeCoffee", {"drink": "flat_white", "machine": "coffee"}),
    ("play the evening chill playlist in the kitchen", "PlayPlaylist", {"playlist": "evening chill",
                                                                         "area": "Kitchen"}),
    ("stop the sprinklers", "StopWatering", {}),
])
def test_every_list_kind_is_read(tmp_path: Path, text: str, intent: str, slots: dict) -> None:
    recognition = _recognizer(_folder(tmp_path)).recognize(text)
    assert recognition.intent == intent
    assert whole_numbers(recognition.slots) == slots


@pytest.mark.fast
def test_built_in_intents_keep_their_meaning(tmp_path: Path) -> None:
    """A file's list named as one of Home Assistant's (zone) is the file's own; HA's sentences still work."""
    recognizer = _recognizer(_folder(tmp_path))
    plain = TemplateRecognizer(HOME, "en")
    for text in ("turn on the kitchen light", "set the bedroom lamp to 50% brightness", "what is the temperature"):
        assert recognizer.recognize(text) == plain.recognize(text), text


def _bad(folder: Path, name: str, text: str) -> str:
    (folder / "en" / name).write_text(text, encoding="utf-8")
    custom = merge_custom(load_language("en"), folder, "en")
    assert "WaterZone" in custom.intents and "MakeCoffee" in custom.intents  # the good files stay in use
    assert len(custom.errors) == 1
    return custom.errors[0]


@pytest.mark.fast
@pytest.mark.parametrize("text, expected", [
    ("intents:\n  Foo:\n    data:\n      - sentences: [\"open {gate\"]\n", r"bad\.yaml:4: .*not a template"),
    ("intents:\n  Foo:\n    data:\n      - sentences:\n          - \"open {gate}\"\n",
     r"bad\.yaml:5: intents\.Foo\.data\.0\.sentences\.0: no list '\{gate\}'"),
    ("intents:\n  Foo:\n    data:\n      - sentences:\n          - \"open <gate>\"\n", r":5: .*no expansion rule"),
    ("intents: [\n", r"bad\.yaml:2: not YAML"),
    ("language: de\n", r"bad\.yaml:1: language: file is for 'de'"),
    ("intent:\n  Foo: {}\n", r"bad\.yaml:1: intent: unknown key"),
    ("lists:\n  name:\n    values: [x]\n", r"bad\.yaml:2: lists\.name: 'name' is filled from the home"),
    ("lists:\n  n:\n    range: {from: 9, to: 1}\n", r"bad\.yaml:3: lists\.n\.range: a range needs"),
    ("lists:\n  n:\n    values: [a]\n    wildcard: true\n", r"exactly one of: values, range, wildcard"),
    ("intents:\n  Foo:\n    data:\n      - sentence: [x]\n", r"bad\.yaml:4: intents\.Foo\.data\.0\.sentence: unknown"),
    ("responses:\n  intents:\n    HassTurnOn:\n      default: Hi\n", r":4: .*response already defined"),
    ("lists: " + "[" * 5000 + "]" * 5000 + "\n", r"bad\.yaml: nested too deeply"),
])
def test_a_bad_file_is_named_with_its_line_and_left_out(tmp_path: Path, text: str, expected: str) -> None:
    import re
    error = _bad(_folder(tmp_path), "bad.yaml", text)
    assert re.search(expected, error), error


@pytest.mark.fast
def test_a_template_that_does_not_compile_is_refused_with_the_config() -> None:
    with pytest.raises(ConfigError, match="intents.actions.Foo.payload"):
        parse_settings({"intents": {"actions": {"Foo": {"payload": "{{ zone "}}}}, "config.yaml")


@pytest.mark.fast
def test_the_action_reply_and_confirmation(tmp_path: Path) -> None:
    assistant = Assistant(_settings(_folder(tmp_path)), HOME)
    outcome = assistant.handle("water zone 2 for 5 minutes", dry_run=True)
    assert outcome.failure is None and outcome.reply == "Watering zone 2 for 5 minutes"
    assert [(m.topic, m.payload) for m in outcome.messages] == [("garden/zone/2/set", '{"minutes": 5}')]
    assert assistant.handle("stop the sprinklers", dry_run=True).reply == "Stopping the sprinklers"  # file's response
    played = assistant.handle("play the jazz playlist", dry_run=True)  # no action: the event alone, "Done"
    assert played.failure is None and played.reply == "Done" and played.decision.recognition.slots == {
        "playlist": "jazz"}
    asked = assistant.handle("make me a large latte", dry_run=True)
    assert asked.failure is Failure.NEEDS_CONFIRMATION and asked.messages == ()
    assert asked.reply == 'Did you say "make me a large latte"? Say yes to go ahead.'
    assert assistant.handle("yes", site="elsewhere", dry_run=True).messages == ()  # only the one asked answers
    done = assistant.handle("yes", dry_run=True)
    assert [(m.topic, m.payload) for m in done.messages] == [("kitchen/coffee/brew", "latte|large")]


@pytest.mark.fast
def test_a_topic_made_a_wildcard_by_what_was_said_is_not_published(tmp_path: Path) -> None:
    actions = {"PlayPlaylist": {"topic": "media/{{ playlist }}/play"}}
    assistant = Assistant(_settings(_folder(tmp_path), actions=actions), HOME)
    outcome = assistant.handle("play the # playlist", dry_run=True)
    assert outcome.failure is Failure.NOT_POSSIBLE and outcome.messages == ()
    assert outcome.reply == "Sorry, the action for that command is not set up right."


@pytest.mark.fast
def test_a_running_assistant_reads_changed_files(tmp_path: Path, caplog) -> None:
    folder = _folder(tmp_path)
    assistant = Assistant(_settings(folder), HOME)
    before = assistant.handle("open the gate", dry_run=True)
    assert before.reply == "Sorry, I am not aware of any device called gate" and before.messages == ()
    (folder / "en" / "gate.yaml").write_text(
        "language: en\nintents:\n  OpenGate:\n    data:\n      - sentences: ['open the gate']\n", encoding="utf-8")
    time.sleep(1.1)  # files are looked at once a second at most
    assert assistant.handle("open the gate", dry_run=True).decision.intent == "OpenGate"
    (folder / "en" / "gate.yaml").write_text("intents: [", encoding="utf-8")  # broken: left out, said
    time.sleep(1.1)
    assert assistant.handle("open the gate", dry_run=True).decision.intent != "OpenGate"
    assert "gate.yaml:1: not YAML" in caplog.text
    assert assistant.handle("water zone one for two minutes", dry_run=True).decision.intent == "WaterZone"


def test_a_custom_intent_acts_over_mqtt_and_is_announced(mosquitto: Mosquitto, tmp_path: Path) -> None:
    settings = _settings(_folder(tmp_path), mosquitto.port)
    subscriber = Subscriber(mosquitto.port, "#")
    with MqttLink(settings.mqtt, "hearth-custom-test") as link:
        assistant = Assistant(settings, HOME, link)
        outcome = assistant.handle("water the back garden for twenty minutes", site="kitchen")
        got = dict(subscriber.collect(2))
    subscriber.close()
    assert outcome.published and outcome.reply == "Watering zone 2 for 20 minutes"
    assert got["garden/zone/2/set"] == '{"minutes": 20}'
    event = json.loads(got["hearth/kitchen/intent"])
    assert event["intent"] == "WaterZone" and event["slots"] == {"zone": 2, "minutes": 20}
    entity = discovery_config("kitchen", DeviceTopics("hearth/kitchen"),
                              tuple(assistant.sentences.recognizer.intents.intents))["cmps"]["intent_event"]
    assert entity["p"] == "event" and entity["stat_t"] == "hearth/kitchen/intent"
    assert {"WaterZone", "MakeCoffee", "PlayPlaylist", "HassTurnOn"} <= set(entity["evt_typ"])


SPOKEN = [  # (what is said, voice, noise SNR in dB or None, intent, slots)
    ("water zone two for ten minutes", "piper", None, "WaterZone", {"zone": 2, "minutes": 10}),
    ("make me a large cappuccino", "flite-slt", None, "MakeCoffee",
     {"size": "large", "drink": "cappuccino", "machine": "coffee"}),
    ("water the vegetable patch for thirty minutes", "piper", 18.0, "WaterZone", {"zone": 3, "minutes": 30}),
    ("play the road trip playlist in the kitchen", "flite-rms", None, "PlayPlaylist",
     {"playlist": "road trip", "area": "Kitchen"}),
]


@pytest.mark.parametrize("text, voice, snr, intent, slots", SPOKEN)
def test_spoken_custom_commands_are_heard_exactly(tmp_path: Path, tts, stt, text, voice, snr, intent, slots) -> None:
    from app.bench.clips import add_noise, pad, speak

    assistant = Assistant(_settings(_folder(tmp_path), actions={}), HOME, None, stt)
    samples = pad(speak(text, voice, tts))
    outcome = assistant.handle_speech(add_noise(samples, snr) if snr is not None else samples, dry_run=True)
    assert outcome.failure is None, outcome.text
    assert (outcome.decision.intent, whole_numbers(outcome.decision.recognition.slots)) == (intent, slots)


def test_spoken_remarks_about_the_same_things_do_nothing(tmp_path: Path, tts, stt) -> None:
    from app.bench.clips import pad, speak

    assistant = Assistant(_settings(_folder(tmp_path), actions={}), HOME, None, stt)
    for text in ("the coffee was cold this morning", "I watered the garden yesterday"):
        outcome = assistant.handle_speech(pad(speak(text, "piper", tts)), dry_run=True)
        assert outcome.decision.intent is None or outcome.failure is not None, (text, outcome.text)


@pytest.mark.fast
def test_the_grammar_offers_its_nearest_sentences_with_the_numbers_heard(tmp_path: Path) -> None:
    from intents.grammar_repair import GrammarRepairer
    from intents.vocabulary import vocabulary

    grammar = GrammarRepairer(_recognizer(_folder(tmp_path)), vocabulary("en"))
    assert grammar.sentences and not any("playlist" in s for s in grammar.sentences)  # wildcards: anyone's words
    assert all("#" in s for s in grammar.sentences if s.startswith("water zone"))  # ranges: a place for a number
    nearest = grammar.variants("Trinkle the back garden for 20 minutes.")
    assert nearest[0].text == "sprinkle the back garden for 20 minutes" and nearest[0].whole
    assert nearest[0].cost < 1.0
    assert grammar.variants("Make me a large cup of chino")[0].text == "make me a large cappuccino"
    assert all(v.cost >= 2.0 for v in grammar.variants("the coffee was cold this morning"))  # far: the audio decides
    assert grammar.variants("water zone one for 5 or 6 minutes") == []  # no sentence of two numbers: none


def test_check_names_a_bad_file_with_its_line(tmp_path: Path, capsys) -> None:
    import yaml

    from app.cli.main import main

    folder = _folder(tmp_path)
    (folder / "en" / "bad.yaml").write_text("intents:\n  Foo:\n    data:\n      - sentences: ['open {gate}']\n",
                                            encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"intents": {"custom_sentences": str(folder)}}), encoding="utf-8")
    assert main(["--config", str(config), "check"]) == 1
    out = capsys.readouterr().out
    assert "sentences       PROBLEM " in out and "bad.yaml:4: intents.Foo.data.0.sentences.0: no list '{gate}'" in out
