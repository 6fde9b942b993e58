"""``hearth demo``: the whole pipeline against a simulated home, typed and spoken.

With no broker configured it starts an embedded one (amqtt) on loopback,
runs virtual MQTT devices for a small bundled home, sends sample commands
through the pipeline and prints, for each: text → intent → MQTT message →
device state after → reply; then says two commands aloud and hears them
through the speech chain. Every reply is spoken into a WAV file
(`app.cli.demo_speech`).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

from app.broker.embedded import EmbeddedBroker
from app.cli.demo_speech import DemoVoice, default_folder
from app.config import MqttSettings, Settings
from app.core.assistant import Assistant
from app.core.outcome import Outcome
from devices.files import read_yaml
from devices.mqtt import MqttLink
from devices.registry import Home, RegistryError, build_home, load_fixture_file
from devices.simulated import SimulatedHome, describe
from devices.state import StateStore, initial_states
from devices.state_listener import follow_states

DEMO_DIR = Path(__file__).parent
DEMO_HOME = DEMO_DIR / "demo_home.yaml"


@dataclass(frozen=True)
class DemoScript:
    """What the demo says in one language, and where."""

    site: str
    """The demo device's site."""
    area: str
    """The room it stands in ("in here")."""
    sites: dict[str, str]
    """Satellites and their rooms."""
    samples: tuple[tuple[Optional[str], str], ...]
    """(site the command is heard at, what is said)."""
    spoken: tuple[str, ...] = ()
    """Commands said aloud and heard through the whole speech chain."""


def _demo_file(language: str) -> Path:
    """``demo_home.yaml`` for English, ``demo_home.<language>.yaml`` for the others."""
    path = DEMO_HOME if language == "en" else DEMO_DIR / f"demo_home.{language}.yaml"
    if not path.is_file():
        raise RegistryError(f"no demo home for language {language!r} ({path.name})")
    return path


def demo_home(language: str = "en") -> Home:
    """The bundled home of ``language`` with topics under ``demo/``."""
    return build_home(load_fixture_file(_demo_file(language)), topic_base="demo")


def demo_script(language: str = "en") -> DemoScript:
    """The sample commands of ``language``'s demo home, and where the demo stands."""
    demo = read_yaml(_demo_file(language), "demo home", RegistryError)["demo"]
    samples = tuple((item.get("site"), str(item["text"])) for item in demo["samples"])
    spoken = tuple(str(text) for text in demo.get("spoken") or ())
    return DemoScript(str(demo["site"]), str(demo["area"]), dict(demo.get("sites") or {}), samples, spoken)


@contextlib.contextmanager
def _broker(settings: Settings) -> Iterator[MqttSettings]:
    if settings.mqtt.host:
        yield settings.mqtt
        return
    with EmbeddedBroker() as broker:
        yield settings.mqtt.model_copy(update={"host": broker.host, "port": broker.port, "tls": settings.mqtt.tls.model_copy(update={"enabled": False})})


def _wait_for_devices(sim: SimulatedHome, assistant: Assistant, outcome: Outcome,
                      before: dict[str, int], timeout: float = 3.0) -> None:
    """Wait until each commanded device applied its command and Hearth saw its new state."""
    targets = {m.entity_id for m in outcome.messages}
    deadline = time.monotonic() + timeout

    def settled(entity_id: str) -> bool:
        applied = sim.applied.get(entity_id, 0) > before.get(entity_id, 0)
        return applied and assistant.states.get(entity_id) == sim.states.get(entity_id)

    while time.monotonic() < deadline and not all(settled(t) for t in targets):
        time.sleep(0.01)


def _report(outcome: Outcome, states: StateStore, echo: Callable[[str], None]) -> None:
    decision = outcome.decision
    echo(f'> "{outcome.text}"')
    slots = ", ".join(f"{k}={v}" for k, v in decision.recognition.slots.items())
    echo(f"  intent : {decision.intent or 'none'}" + (f" ({slots})" if slots and decision.intent else ""))
    for message in outcome.messages:
        echo(f"  mqtt   : {message.topic} {message.payload}")
    for target in decision.targets if outcome.messages else ():
        echo(f"  device : {target} is now {describe(states.get(target))}")
    echo(f"  reply  : {outcome.reply}")


def run_demo(settings: Settings, echo: Callable[[str], None] = print, audio: Optional[Path] = None) -> int:
    """Run the samples, then say the spoken ones aloud and hear them; every reply is written as audio into
    ``audio`` (None: `demo_speech.default_folder`). Returns the exit status (0 when every action reached
    its device)."""
    language = settings.intents.language
    home, script = demo_home(language), demo_script(language)
    settings = settings.model_copy(update={"site": script.site, "area": script.area, "sites": script.sites})
    failures = 0
    # What the demo teaches (a "yes" to "did you mean") is kept for the demo only, never in your lessons.
    with _broker(settings) as mqtt, tempfile.TemporaryDirectory(prefix="hearth-demo-") as lessons:
        intents = settings.intents.model_copy(update={"taught_file": str(Path(lessons) / "taught.yaml")})
        settings = settings.model_copy(update={"intents": intents})
        settings = settings.model_copy(update={"mqtt": mqtt})
        echo(f"Hearth demo: simulated home on MQTT broker {mqtt.host}:{mqtt.port}\n")
        with MqttLink(mqtt, "hearth-demo-devices") as device_link, MqttLink(mqtt, "hearth-demo") as link:
            sim = SimulatedHome(home, initial_states(home.initial_states), device_link)
            sim.start()
            assistant = Assistant(settings, home, link)
            follow_states(link, home, assistant.states)
            time.sleep(0.3)  # let the subscriptions settle before the first command
            voice = DemoVoice(settings, audio or default_folder())
            assistant.stt = voice.stt
            spoken = [(None, text, True) for text in script.spoken] if voice.stt is not None else []
            for site, text, aloud in [(site, text, False) for site, text in script.samples] + spoken:
                before = dict(sim.applied)
                if aloud:
                    samples, said = voice.command(text)
                    echo(f'~ said aloud ({said.name}): "{text}"')
                    outcome = assistant.handle_speech(samples, site=site)
                else:
                    outcome = assistant.handle(text, site=site)
                _wait_for_devices(sim, assistant, outcome, before)
                failures += bool(outcome.messages) and outcome.failed
                _report(outcome, assistant.states, echo)
                replied = voice.reply(outcome.reply)
                if replied is not None:
                    echo(f"  spoken : {replied.name}")
                echo("")
    if voice.stt is None:
        echo(voice.why_not)
    echo(f"Replies and spoken commands as audio: {voice.folder}")
    echo("Demo finished." if not failures else f"Demo finished with {failures} undelivered command(s).")
    return 0 if not failures else 1
