"""The local page (#32): utterances with their stages and times, a correction that teaches and its
forgetting, the home, the token when open to the LAN, forms no other site can post, nothing fetched from
elsewhere. The browser tests click through it in Debian's Chromium, headless; they skip, saying why, where
Chromium, chromedriver or selenium is missing."""

from __future__ import annotations

import re
import shutil
import socket
from contextlib import ExitStack
from pathlib import Path
from typing import Iterator

import pytest

from app.config import ConfigError, Settings
from app.core.assistant import Assistant
from app.web.journal import Journal
from app.web.page import create_app
from app.web.serve import serve_page
from app.web.settings import PageSettings
from devices.registry import build_home, load_fixture_file
from tests.conftest import FIXTURES

HOME = build_home(load_fixture_file(FIXTURES), topic_base="home")
TOKEN = "a-long-enough-secret"
REFUSED = "make it cosy in the living room"  # no template, no lesson: not understood


def _assistant(tmp_path: Path) -> Assistant:
    return Assistant(Settings(intents={"stage": "templates", "taught_file": str(tmp_path / "taught.yaml")}), HOME)


def _form_secret(html: str) -> str:
    return re.search(r'name="form" value="([^"]+)"', html).group(1)


@pytest.mark.fast
def test_a_correction_teaches_and_forgetting_undoes_it(tmp_path: Path) -> None:
    assistant, journal = _assistant(tmp_path), Journal()
    assistant.observers.append(journal.record)
    client = create_app(assistant, journal, PageSettings(enabled=True)).test_client()
    assert assistant.handle(REFUSED).decision.intent is None
    page = client.get("/").get_data(as_text=True)
    assert REFUSED in page and "nothing" in page
    entry = journal.entries()[0]
    assert client.post("/correct", data={"entry": entry.id, "meant": "turn on the living room lamp"}).status_code == 403
    done = client.post("/correct", data={"entry": entry.id, "meant": "turn on the living room lamp",
                                         "form": _form_secret(page)}, follow_redirects=True)
    assert "Taught: make it cosy in the living room means turn on the living room lamp" in done.get_data(as_text=True)
    assert assistant.handle(REFUSED, dry_run=True).decision.targets == ("light.living_room_lamp",)
    forgot = client.post("/forget", data={"phrase": REFUSED, "form": _form_secret(page)}, follow_redirects=True)
    assert "Forgot: " + REFUSED in forgot.get_data(as_text=True)
    assert assistant.handle(REFUSED, dry_run=True).decision.intent is None


@pytest.mark.fast
def test_a_name_taught_by_a_yes_is_listed_and_can_be_forgotten(tmp_path: Path) -> None:
    assistant, journal = _assistant(tmp_path), Journal()
    client = create_app(assistant, journal, PageSettings(enabled=True)).test_client()
    assistant.understander.taught.teach_alias("telly", "media_player.tv")  # as a yes to "did you mean" does
    page = client.get("/").get_data(as_text=True)
    assert "telly" in page and "names media_player.tv" in page
    assistant.handle("pause the telly", dry_run=True)  # the home is built again in the background...
    assert assistant.wait_for_home()
    assert assistant.handle("pause the telly", dry_run=True).decision.targets == ("media_player.tv",)  # ...then used
    forgot = client.post("/forget", data={"phrase": "telly", "form": _form_secret(page)}, follow_redirects=True)
    assert "Forgot: telly" in forgot.get_data(as_text=True) and "names media_player.tv" not in forgot.get_data(as_text=True)
    assistant.handle("pause the telly", dry_run=True)
    assert assistant.wait_for_home()
    assert assistant.handle("pause the telly", dry_run=True).decision.targets == ()


@pytest.mark.fast
def test_what_cannot_be_taught_is_said(tmp_path: Path) -> None:
    assistant, journal = _assistant(tmp_path), Journal()
    assistant.observers.append(journal.record)
    client = create_app(assistant, journal, PageSettings(enabled=True)).test_client()
    assistant.handle(REFUSED)
    secret = _form_secret(client.get("/").get_data(as_text=True))
    said = client.post("/correct", data={"entry": journal.entries()[0].id, "meant": "fly me to the moon",
                                         "form": secret}, follow_redirects=True).get_data(as_text=True)
    assert "Not taught: &#34;fly me to the moon&#34; is not a command Hearth understands" in said
    assert assistant.understander.taught.lessons() == {}
    assert client.post("/correct", data={"entry": "x; drop", "meant": "turn on the lamp", "form": secret}).status_code == 400


@pytest.mark.fast
def test_the_token_is_needed_when_set_and_open_to_the_lan_needs_one(tmp_path: Path) -> None:
    assistant = _assistant(tmp_path)
    client = create_app(assistant, Journal(), PageSettings(enabled=True, host="0.0.0.0", token=TOKEN)).test_client()
    assert client.get("/").status_code == 401
    assert client.get("/?token=wrong-but-long-enough").status_code == 401
    first = client.get(f"/?token={TOKEN}")
    assert first.status_code == 302 and "HttpOnly" in first.headers["Set-Cookie"]  # then out of the address
    assert client.get("/").status_code == 200  # the cookie
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    with pytest.raises(ConfigError, match="page.token"), ExitStack() as stack:
        serve_page(assistant, Settings(page={"enabled": True, "host": "0.0.0.0"}), stack)
    with_env = Settings(page={"enabled": True, "host": "0.0.0.0"}).with_env({"HEARTH_PAGE_TOKEN": TOKEN})
    assert with_env.page.token == TOKEN and with_env.page.problem() is None


@pytest.mark.fast
def test_the_page_fetches_nothing_from_elsewhere(tmp_path: Path) -> None:
    assistant, journal = _assistant(tmp_path), Journal()
    assistant.observers.append(journal.record)
    assistant.handle("turn on the living room lamp", dry_run=True)  # dry: not told, so not recorded
    assistant.handle("what is the temperature in the living room")
    html = create_app(assistant, journal, PageSettings(enabled=True)).test_client().get("/").get_data(as_text=True)
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    assert "HassClimateGetTemperature" in html and 'class="stage">nlu' in html
    assert "light.living_room_lamp" in html and "Needs a yes" in html


# --- in a real headless browser ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def browser() -> Iterator:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    selenium = pytest.importorskip("selenium", reason="SKIPPED LOUDLY: selenium is not installed "
                                                      "(pip install -e '.[test]')")
    if chromium is None or driver_path is None:
        pytest.skip("SKIPPED LOUDLY: Debian's chromium and chromium-driver are not installed "
                    "(apt-get install chromium chromium-driver; .ci/run does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 # Any name but loopback fails to resolve: a request leaving the machine would show as an error.
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.implicitly_wait(5)
    assert selenium
    yield driver
    driver.quit()


def _click_and_wait(driver, button) -> None:
    """Click a form's button and wait until the page it posts to has replaced this one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(old))


def _requested_hosts(driver) -> set[str]:
    import json

    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if re.match(r"^(https?|wss?|ftp)://", url):  # data: icons of the audio controls stay in the browser
                hosts.add(re.sub(r"^[a-z]+://([^/:]+).*$", r"\1", url))
    return hosts


def test_in_a_browser_a_spoken_command_a_correction_and_forgetting_it(tmp_path: Path, browser, tts, stt) -> None:
    from selenium.webdriver.common.by import By

    from app.bench.clips import pad, piper_clip

    port = _free_port()
    settings = Settings(intents={"stage": "templates", "taught_file": str(tmp_path / "taught.yaml")},
                        page={"enabled": True, "port": port, "keep_audio_seconds": 60})
    assistant = Assistant(settings, HOME, None, stt)
    with ExitStack() as stack:
        serve_page(assistant, settings, stack)
        spoken = assistant.handle_speech(pad(piper_clip(tts, "turn on the living room lamp")))
        assert spoken.decision.targets == ("light.living_room_lamp",)
        assistant.handle(REFUSED)
        browser.get(f"http://127.0.0.1:{port}/")
        rows = browser.find_elements(By.CSS_SELECTOR, "tr.entry")
        assert len(rows) == 2
        said = rows[1]  # newest first: the spoken one is second
        assert "living room lamp" in said.find_element(By.CLASS_NAME, "heard").text.lower()
        assert "HassTurnOn" in said.find_element(By.CLASS_NAME, "understood").text
        stages = [s.text.split()[0] for s in said.find_elements(By.CLASS_NAME, "stage")]
        assert {"stt", "nlu", "act", "total"} <= set(stages)
        assert said.find_element(By.TAG_NAME, "audio").get_attribute("src").endswith(".wav")  # kept: asked for
        assert rows[0].find_elements(By.TAG_NAME, "audio") == []  # typed: no audio
        refused = rows[0]
        assert "refused" in refused.get_attribute("class")
        refused.find_element(By.NAME, "meant").send_keys("turn on the living room lamp")
        _click_and_wait(browser, refused.find_element(By.TAG_NAME, "button"))
        assert "Taught: " + REFUSED in browser.find_element(By.ID, "message").text
        assert assistant.handle(REFUSED).decision.targets == ("light.living_room_lamp",)
        browser.refresh()  # the same words again, now understood by what was taught
        newest = browser.find_elements(By.CSS_SELECTOR, "tr.entry")[0]
        assert "by taught phrase" in newest.find_element(By.CLASS_NAME, "understood").text
        lesson = browser.find_element(By.CSS_SELECTOR, "tr.lesson")
        assert lesson.find_element(By.CLASS_NAME, "phrase").text == REFUSED
        _click_and_wait(browser, lesson.find_element(By.TAG_NAME, "button"))
        assert "Forgot: " + REFUSED in browser.find_element(By.ID, "message").text
        assert assistant.handle(REFUSED, dry_run=True).decision.intent is None
        assert _requested_hosts(browser) == {"127.0.0.1"}  # no request left the machine


def test_in_a_browser_the_page_open_to_the_lan_refuses_without_its_token(tmp_path: Path, browser) -> None:
    from selenium.webdriver.common.by import By

    port = _free_port()
    settings = Settings(intents={"stage": "templates"}, page={"enabled": True, "host": "0.0.0.0", "port": port,
                                                              "token": TOKEN})
    with ExitStack() as stack:
        serve_page(Assistant(settings, HOME), settings, stack)
        browser.get(f"http://127.0.0.1:{port}/")
        assert "needs its token" in browser.find_element(By.TAG_NAME, "body").text
        assert browser.find_elements(By.ID, "utterances") == []
        browser.get(f"http://127.0.0.1:{port}/?token={TOKEN}")
        assert browser.current_url == f"http://127.0.0.1:{port}/"  # the token left the address bar
        assert browser.find_element(By.ID, "home").is_displayed()


@pytest.mark.fast
def test_audio_is_kept_only_when_asked_for_a_bounded_time_and_can_be_deleted(tmp_path: Path) -> None:
    import numpy as np

    from app.core.outcome import Outcome
    from devices.decision import Decision, Recognition

    now = [0.0]
    spoken = Outcome("turn on the lamp", Decision(Recognition(None)), "", audio=np.zeros(1600, np.float32))
    off = Journal()
    off.record(spoken, "kitchen")
    assert off.audio(off.entries()[0].id) is None  # off by default: never kept
    journal = Journal(keep_audio_seconds=60, clock=lambda: now[0])
    journal.record(spoken, "kitchen")
    journal.record(spoken, "kitchen")
    first, second = (e.id for e in reversed(journal.entries()))
    client = create_app(_assistant(tmp_path), journal, PageSettings(enabled=True)).test_client()
    wav = client.get(f"/audio/{first}.wav")
    assert wav.status_code == 200 and wav.data[:4] == b"RIFF" and len(wav.data) == 44 + 3200
    page = client.get("/").get_data(as_text=True)
    assert page.count("<audio") == 2
    client.post("/audio/delete", data={"entry": first, "form": _form_secret(page)})
    assert client.get(f"/audio/{first}.wav").status_code == 404 and journal.audio(second) is not None
    now[0] = 61.0  # past its time
    assert client.get(f"/audio/{second}.wav").status_code == 404
