"""The LLM stage with the bundled model: accuracy floors, safety, fallback, and the templates untouched."""

from __future__ import annotations

import json
import logging
import math
import threading
from pathlib import Path

import pytest
import yaml

from app.audio.inputs import to_float
from app.bench.clips import command_clip
from app.cli.evaluate import verdict
from app.cli.main import main
from app.config import IntentSettings, LlmSettings, Settings
from app.core.assistant import Assistant
from devices.registry import build_home, load_fixture_file
from intents.canonical import answers, find_mentions
from intents.vocabulary import vocabulary
from tests.conftest import DEV_COMMANDS, FIXTURES, ROOT

EN = vocabulary("en")

UNSEEN = ROOT / "tests" / "data" / "unseen_commands.yaml"
UNSEEN_2 = ROOT / "tests" / "data" / "unseen_commands_2.yaml"
NATURAL_DEV = ROOT / "tests" / "data" / "natural_dev.yaml"
NATURAL_HELDOUT = ROOT / "tests" / "data" / "natural_heldout.yaml"
NATURAL_2 = ROOT / "tests" / "data" / "natural_heldout_2.yaml"
NATURAL_3 = ROOT / "tests" / "data" / "natural_heldout_3.yaml"
NATURAL_4 = ROOT / "tests" / "data" / "natural_heldout_4.yaml"
NATURAL_5 = ROOT / "tests" / "data" / "natural_heldout_5.yaml"
NATURAL_6 = ROOT / "tests" / "data" / "natural_heldout_6.yaml"
NATURAL_7 = ROOT / "tests" / "data" / "natural_heldout_7.yaml"
NATURAL_8 = ROOT / "tests" / "data" / "natural_heldout_8.yaml"
RELATIVE = ROOT / "tests" / "data" / "relative_heldout.yaml"
RELATIVE_SEALED = ROOT / "tests" / "data" / "relative_sealed.yaml"


def _eval(tmp_path: Path, cases: Path) -> list[tuple[dict, dict]]:
    out = tmp_path / f"{cases.stem}.jsonl"
    assert main(["eval", "--home", str(FIXTURES), "--json", str(out), str(cases)]) == 0
    expected = yaml.safe_load(cases.read_text())["cases"]
    return list(zip(expected, (json.loads(line) for line in out.read_text().splitlines())))


def _score(pairs: list[tuple[dict, dict]]) -> tuple[int, int, int, int]:
    """(commands right at once, commands, wrong actions, non-commands acted on), in `hearth eval`'s one
    meaning of right (`app.cli.evaluate.verdict`): a command only asked about is not right."""
    right = commands = wrong = acted_on_nothing = 0
    for case, got in pairs:
        judged = verdict(got, {**case, "intent": case.get("intent", "none")})  # no intent: a remark
        if case.get("intent", "none") == "none":  # a remark: no intent to reach
            acted_on_nothing += judged == "wrong"
            continue
        commands += 1
        right += judged == "right"
        wrong += judged == "wrong"
    return right, commands, wrong, acted_on_nothing


@pytest.mark.parametrize("cases, floor, most_wrong, most_acted", [
    (DEV_COMMANDS, 31, 0, 0), (UNSEEN, 30, 0, 0), (UNSEEN_2, 19, 0, 0), (NATURAL_DEV, 51, 0, 0),
    (NATURAL_HELDOUT, 57, 0, 0), (NATURAL_2, 51, 1, 0), (NATURAL_3, 34, 0, 0), (NATURAL_4, 37, 0, 0),
    (NATURAL_5, 31, 0, 1), (NATURAL_6, 34, 0, 0), (NATURAL_7, 34, 0, 0), (NATURAL_8, 35, 0, 0)])
def test_accuracy_floor_and_no_wrong_action(tmp_path: Path, cases: Path, floor: int, most_wrong: int,
                                            most_acted: int) -> None:
    """Measured 2026-11-23 with SmolLM2-135M: dev 32/32, held-out 30/30 and 19/20; natural phrasing
    (#14) dev 51/51 commands, held-out 53/60 with one wrong action (scored once: "switch off the
    kitchen sealing light" turned off the Kitchen Switch), which this test records rather than hides.
    The second and third natural sets, fixed from after their one scoring (2026-11-24): 50/52 commands
    with two wrong actions ("lamp off" in the living room is both of its lights, as Home Assistant's
    templates read "lamp"; "stop the tv for a moment" turned it off until a stop for a moment was
    a pause, 2026-11-24: 51/52, one wrong), and 34/35 with none. The fourth,
    fixed after its one scoring (32/39 commands, 2 wrong, 2 non-commands acted on): 39/39, none. The
    fifth, fixed after its one scoring (29/32, none wrong, 2 non-commands acted on): 31/32, and one
    non-command still acted on, recorded here: "the kitchen lights are too bright for my taste" turns
    them off, as an indirect request would ("it's too bright in the kitchen"). The sixth, fixed after
    its one scoring (29/35 commands, 1 wrong: "open up the front door lock" locked it): 34/35, none;
    "play the next episode on the tv" is Home Assistant's own search-and-play. The seventh, fixed after
    its one scoring (30/36 commands, none wrong, 2 of 8 non-commands acted on: "my sister always turns
    off the play corner", "I left the kitchen switch on this morning"): 35/36, none; "let's get the
    party started" names Party Mode only in part. The eighth, fixed after its one scoring (32/36
    commands, none wrong, 1 of 8 non-commands acted on: "the kitchen cabinets look nice in blue" set
    them blue): 36/36, none. 2026-12-05: the floors are what each set measures, right at once in `hearth
    eval`'s one meaning (`verdict`): a command only asked about ("Did you mean ...?") is no longer counted
    right, which takes one case each from the dev, unseen_2, fourth and eighth sets."""
    pairs = _eval(tmp_path, cases)
    right, commands, wrong, acted_on_nothing = _score(pairs)
    print(f"{cases.name}: {right}/{commands} exact, {wrong} wrong actions")
    assert right >= floor and wrong <= most_wrong and acted_on_nothing <= most_acted
    llm = [got for _, got in pairs if got["source"] == "llm"]
    assert llm and all(got["timings_ms"]["llm"] > 0 for got in llm)  # the stage ran and reports its time


@pytest.mark.parametrize("cases, floor, most_wrong, most_acted", [(RELATIVE, 17, 2, 1), (RELATIVE_SEALED, 9, 0, 1)])
def test_relative_steps_chosen_by_the_model(tmp_path: Path, cases: Path, floor: int, most_wrong: int,
                                            most_acted: int) -> None:
    """Relative steps offered to the model in the directions the templates' words say (`intents.steps`),
    2026-12-04. The first set (25 commands, 5 remarks; tuned on since its one scoring on 2026-12-03 at 10
    right, 3 wrong): 16 right, 2 wrong ("more light in the bedroom" turns the lamp on and "the garage light
    is too bright" turns it off: the indirect requests of the vocabulary), 1 remark acted on ("I like it
    darker in the kitchen in the evening" dims them). The second, sealed (20 commands, 6 remarks; before
    the change 3 right, 4 wrong, 0 remarks): scored once at 8 right, 4 wrong, 1 remark ("the garage light
    got dimmer over the years"); after the two changes chosen on the first set ("by" a step, "to" a level;
    "up" alone no step), 7 right, 2 wrong, the same remark. 2026-12-05, with the templates' step phrases
    said whole ("turn up", "less bright", "volume down"): 17 right, 2 wrong and 9 right, 0 wrong, the same
    remarks."""
    right, commands, wrong, acted_on_nothing = _score(_eval(tmp_path, cases))
    print(f"{cases.name}: {right}/{commands} exact, {wrong} wrong actions, {acted_on_nothing} remarks acted on")
    assert right >= floor and wrong <= most_wrong and acted_on_nothing <= most_acted


def test_templates_answer_first_and_unchanged(tmp_path: Path) -> None:
    """Wherever the templates understand, the answer is theirs, exactly as with the LLM switched off."""
    home = build_home(load_fixture_file(FIXTURES))
    both = Assistant(Settings(), home)
    templates = Assistant(Settings(intents=IntentSettings(stage="templates")), home)
    texts = [c["text"] for c in yaml.safe_load(DEV_COMMANDS.read_text())["cases"]]
    for text in texts:
        alone = templates.understand(text).decision
        if alone.intent is not None:
            with_llm = both.understand(text).decision
            assert with_llm == alone and with_llm.recognition.source.value == "template", text
    assert templates.llm_stage() is None


def test_only_mentioned_devices_can_be_answered() -> None:
    home = build_home(load_fixture_file(FIXTURES))
    allowed = answers(find_mentions("kill the living room lamp", home, EN), home, None, "kill the living room lamp", EN)
    assert "turn off Living Room Lamp" in allowed and "none" in allowed
    assert not [a for a in allowed if "Garage" in a or "Kitchen" in a]  # nothing the user did not name
    assert answers(find_mentions("turn on the jacuzzi", home, EN), home, None, "turn on the jacuzzi", EN) == ["none"]


@pytest.mark.parametrize("text", ["don't turn off the living room lamp", "I love the kitchen lights",
                                  "is the garage light too bright", "what's the capital of Peru",
                                  "turn on the sprinklers", "never unlock the back door",
                                  "bedroom lamp up", "first floor light's up, lean",  # misheard "off"
                                  # questions phrased as requests, statements, negations in other words
                                  "tell me whether the garage light is on", "check if the side door is locked",
                                  "let me know if the living room lamp is on", "who turned the kitchen lights on",
                                  "why is the back door unlocked", "I left the garage light on yesterday",
                                  "the back door was open all night", "no need to turn on the fan",
                                  "please don't unlock the front door", "the ceiling fan makes a weird noise",
                                  "should I close the curtains"])
def test_never_an_action_for_non_commands(text: str) -> None:
    assistant = Assistant(Settings(), build_home(load_fixture_file(FIXTURES)))
    assert not assistant.understand(text).decision.acts


@pytest.mark.parametrize("content, reason", [(None, "not found"), (b"not a model at all", "not a GGUF"),
                                             (b"GGUF" + b"\x00" * 100, "corrupt")])
def test_missing_or_corrupt_model_falls_back_to_templates(tmp_path: Path, caplog, content, reason) -> None:
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    assistant = Assistant(Settings(llm=LlmSettings(model=str(path))), build_home(load_fixture_file(FIXTURES)))
    with caplog.at_level(logging.ERROR):
        missed = assistant.understand("can you put the kitchen lights on for me").decision
        assert assistant.understand("turn on the kitchen lights").decision.acts  # templates still work
    assert not missed.acts and missed.recognition.source.value != "llm"
    errors = [r.getMessage() for r in caplog.records if "LLM stage off" in r.getMessage()]
    assert len(errors) == 1 and reason in errors[0]  # said once, with the reason


def test_cost_is_bounded_by_length_and_deadline() -> None:
    """Whatever is said, the LLM stage refuses rather than stalls (the time itself: `hearth bench`)."""
    home = build_home(load_fixture_file(FIXTURES))
    assistant = Assistant(Settings(), home)
    llm = assistant.llm_stage()
    every = "please set " + ", ".join(e.name for e in home.entities) + " to 20, 45, 70 and 90 percent"
    long = assistant.understand(every[:500])
    assert long.llm is not None and long.llm.refused.startswith("not read:") and long.llm.prompt_tokens == 0
    assert not long.decision.acts
    text = "could you kill the kitchen lights, it is late"
    late = llm.recognize(text, {}, deadline=0.0)  # as if the machine were too busy to answer in time
    assert late.refused == "not read: past the deadline" and late.recognition.intent is None
    after = llm.recognize(text, {}, deadline=math.inf)  # the KV cache is consistent after giving up:
    fresh = Assistant(Settings(), home).llm_stage().recognize(text, {}, deadline=math.inf)
    assert (after.answer, after.recognition) == (fresh.answer, fresh.recognition) and after.answer


def test_naming_every_device_and_several_numbers_decides_within_the_budget() -> None:
    """The longest utterance the model reads (every light, cover, fan, thermostat and the TV, four
    numbers) costs at most its own tokens and one answer's: the answers offered do not add to it.
    Its time, quiet and with a busy core, is measured by `hearth bench` and bounded by the deadline."""
    home = build_home(load_fixture_file(FIXTURES))
    llm = Assistant(Settings(), home).llm_stage()
    names = [e.name for e in home.entities if e.domain in ("light", "cover", "climate", "media_player", "fan")]
    text = "set the " + ", ".join(names) + ", kitchen, living room, bedroom, office lights to 20, 45, 70, 90"
    size = len(llm.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
    assert size <= llm.settings.max_input_tokens  # read by the model, not refused for its length
    offered = answers(find_mentions(text, home, EN), home, None, text, EN)
    assert len(offered) > 40
    result = llm.recognize(text, {}, deadline=math.inf)
    assert result.refused is None or not result.refused.startswith("not read")
    longest = max(len(llm.llm.tokenize(a.encode("utf-8"), add_bos=False, special=False)) for a in offered)
    assert result.prompt_tokens <= size + 16 and result.completion_tokens <= longest + 1


class _LateHypotheses(list):
    """Transcripts of speech that ended longer ago than the decision deadline (a stalled machine)."""

    started = 0.0


def test_speech_decides_within_one_deadline_from_the_end_of_speech() -> None:
    """Past ``intents.decision_deadline_ms`` after the end of speech the repair and the LLM stage give up."""
    assistant = Assistant(Settings(), build_home(load_fixture_file(FIXTURES)))
    heard = ["could you kill the kitchen lights, it is late"]
    late = assistant.understand_speech(_LateHypotheses(heard), {})
    assert not late.decision.acts and late.llm is not None and late.llm.refused == "not read: past the deadline"
    assert assistant.understand_speech(_LateHypotheses(heard), {}, bounded=False).decision.acts  # in time, it acts


def test_a_second_transcript_takes_the_answer_away_only_when_it_reads_as_another_command() -> None:
    """Spoken, the LLM's reading of the first transcript is not acted on when the second most likely
    one offers other commands but not that one ("secure" heard where the audio may say "unbolt");
    a second transcript that offers no command at all ("tilt the bedroom lamp") is no rival."""
    assistant = Assistant(Settings(), build_home(load_fixture_file(FIXTURES)))
    kept = assistant.understand_speech(["kill the bedroom lamp", "tilt the bedroom lamp"], {}, bounded=False)
    assert kept.decision.acts and kept.decision.intent == "HassTurnOff"
    assert list(kept.decision.targets) == ["light.bedroom_lamp"]
    rival = assistant.understand_speech(["secure the back door", "unbolt the back door"], {}, bounded=False)
    assert not rival.decision.acts and rival.llm is not None and rival.llm.answer == "lock Back Door"


def test_requests_from_two_threads_get_the_answers_one_at_a_time_gets() -> None:
    """The model reads spoken transcripts on a thread of its own (beside the repair): requests from
    several threads take turns in the model and each gets its own answer."""
    llm = Assistant(Settings(), build_home(load_fixture_file(FIXTURES))).llm_stage()
    texts = ["douse the garage light", "bolt the back door", "it's pitch black in the garage", "kill the bedroom lamp"]
    alone = [llm.recognize(t, {}, deadline=math.inf).answer for t in texts]
    together: dict[str, str] = {}

    def read(text: str) -> None:
        together[text] = llm.recognize(text, {}, deadline=math.inf).answer

    threads = [threading.Thread(target=read, args=(t,)) for t in texts * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [together[t] for t in texts] == alone


def test_a_repair_the_audio_supports_wins_over_the_llm_reading_beside_it(stt) -> None:
    """Spoken, the LLM reads the transcript while the repair parses variants; a repair the audio
    supports is what is acted on (tiny.en, unprimed, hears espeak's "deactivate" as "the activate")."""
    assistant = Assistant(Settings(stt={"prompt": ""}), build_home(load_fixture_file(FIXTURES), topic_base="home"), stt=stt)
    hypotheses = assistant.hear(to_float(command_clip("deactivate kitchen lights", espeak_voice="en-us", snr_db=20,
                                                      seed=10)))
    understood = assistant.understand_speech(hypotheses, {}, bounded=False)
    assert understood.text == "deactivate kitchen lights" and understood.llm is None
    assert understood.decision.intent == "HassTurnOff"


def test_a_device_or_room_the_home_lacks_is_never_replaced_by_another() -> None:
    """#29, found in a real Home Assistant: in a home whose only lock is the Back Door, "lock the front
    door" locked it; "open the bedroom blind halfway" opened the Hall Blind ("halfway" read as Hallway).
    Each is Home Assistant's answer for what the home lacks, nothing done; what the home has still acts."""
    from devices.registry import parse_fixture

    home = build_home(parse_fixture({
        "areas": [{"id": "bedroom", "name": "Bedroom"}, {"id": "hallway", "name": "Hallway"}],
        "entities": [{"id": "light.bedroom_lamp", "name": "Bedroom Lamp", "area": "bedroom"},
                     {"id": "cover.hall_blind", "name": "Hall Blind", "area": "hallway",
                      "attributes": {"device_class": "blind"}},
                     {"id": "lock.back_door", "name": "Back Door", "area": "hallway"}]}, "test"))
    assistant = Assistant(Settings(), home)
    for text, reply in (("lock the front door", "Sorry, I am not aware of any device called front door"),
                        ("unlock the front door", "Sorry, I am not aware of any device called front door"),
                        # Since the relative-brightness sentences (2026-12-03) changed the model's fixed examples,
                        # it reads the Hallway here and the missing name is refused; before: "any blind in the
                        # Bedroom area". Nothing is done either way.
                        ("open the bedroom blind halfway", "Sorry, I am not aware of any device called bedroom blind")):
        outcome = assistant.handle(text, dry_run=True)
        assert not outcome.decision.acts and outcome.reply == reply, (text, outcome.reply)
    assert assistant.handle("open the hallway blind halfway", dry_run=True).decision.targets == ("cover.hall_blind",)
    assert assistant.handle("lock the back door", dry_run=True).decision.targets == ("lock.back_door",)
