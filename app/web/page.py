"""The local page (Flask): the last utterances with their stages and times, a correction that teaches,
the lessons and their forgetting, the home as Hearth sees it, and each stage's health.

Off by default; on loopback unless ``page.host`` opens it to the LAN, which needs ``page.token``. No
asset comes from elsewhere (styles are inline; there is no script), so the page works offline and no
request leaves the machine. Every form carries a per-process secret, so another site the user has
open cannot post to it (cross-site request forgery).
"""

from __future__ import annotations

import hmac
import io
import logging
import secrets
import threading
from pathlib import Path
from typing import Any, Callable

from flask import Flask, abort, make_response, redirect, render_template, request
from werkzeug.serving import BaseWSGIServer, make_server

from app.audio.inputs import write_wav
from app.core.assistant import Assistant
from app.core.teaching import teach
from app.web.journal import Journal
from app.web.settings import PageSettings
from intents.confirmation import sensitive
from intents.taught import TeachError

_LOGGER = logging.getLogger(__name__)
COOKIE = "hearth_token"


def create_app(assistant: Assistant, journal: Journal, settings: PageSettings,
               health: Callable[[], dict[str, str]] = dict,
               imported: Callable[[], frozenset[str]] = frozenset) -> Flask:
    """The page's Flask application over a running assistant; ``health`` gives each stage's state in
    words, ``imported`` the ids of the entities discovery brought."""
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    form_secret = secrets.token_urlsafe(16)

    @app.before_request
    def _guard() -> Any:
        if settings.token is None:
            return None
        given = request.args.get("token") or request.cookies.get(COOKIE) or \
            request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), settings.token.encode()):
            return make_response("Hearth: this page needs its token (?token=...).", 401)
        if request.args.get("token"):  # kept in a cookie, then out of the address bar and its history
            response = redirect(request.path)
            response.set_cookie(COOKIE, settings.token, httponly=True, samesite="Strict")
            return response
        return None

    def _checked_form() -> None:
        if not hmac.compare_digest(request.form.get("form", "").encode(), form_secret.encode()):
            abort(403)

    def _entry_id() -> int:
        try:
            return int(request.form.get("entry", ""))
        except ValueError:
            abort(400, "entry: a number")

    @app.get("/")
    def index() -> str:
        store = assistant.understander.taught
        try:
            lessons = sorted(store.lessons().items()) if store is not None else []
            lessons += [(name, f"names {entity_id}") for name, entity_id in
                        sorted(store.aliases().items() if store is not None else [])]
        except TeachError as err:  # a damaged lessons file is shown, not a server error
            lessons = [("(cannot be read)", str(err))]
        entries = journal.entries()
        audio = {e.id for e in entries if journal.audio(e.id) is not None}
        return render_template("page.html", entries=entries, audio=audio, lessons=lessons, home=_home(assistant, imported()),
                               health=health(), form=form_secret, message=request.args.get("message", ""))

    @app.post("/correct")
    def correct() -> Any:
        _checked_form()
        entry = journal.entry(_entry_id())
        meant = request.form.get("meant", "").strip()
        if entry is None or not meant:
            return redirect("/?message=Nothing+to+teach")
        try:
            command = teach(assistant, entry.text, meant)
        except (TeachError, OSError) as err:
            return redirect(f"/?message={_quoted(f'Not taught: {err}')}")
        _LOGGER.info("Taught on the page: %r -> %r", entry.text, command)
        return redirect(f"/?message={_quoted(f'Taught: {entry.text} means {command}')}")

    @app.post("/forget")
    def forget() -> Any:
        _checked_form()
        phrase = request.form.get("phrase", "")
        store = assistant.understander.taught
        try:
            done = store is not None and store.forget(phrase)
        except (TeachError, OSError) as err:
            return redirect(f"/?message={_quoted(f'Not forgotten: {err}')}")
        return redirect(f"/?message={_quoted(('Forgot: ' if done else 'Nothing taught for: ') + phrase)}")

    @app.get("/audio/<int:entry_id>.wav")
    def audio(entry_id: int) -> Any:
        pcm = journal.audio(entry_id)
        if pcm is None:
            abort(404)
        buffer = io.BytesIO()
        write_wav(buffer, pcm)
        response = make_response(buffer.getvalue())
        response.headers["Content-Type"] = "audio/wav"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.post("/audio/delete")
    def delete_audio() -> Any:
        _checked_form()
        gone = journal.forget_audio(_entry_id())
        return redirect(f"/?message={'Audio deleted' if gone else 'No audio kept'}")

    return app


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:300])


def _home(assistant: Assistant, imported: frozenset[str]) -> list[dict[str, Any]]:
    home = assistant.home
    rows = []
    for entity in home.entities:
        area = home.area(entity.area_id)
        rows.append({"id": entity.id, "name": entity.name, "aliases": ", ".join(entity.aliases),
                     "area": area.name if area else "", "sensitive": sensitive(entity, "HassTurnOff") or sensitive(
                         entity, "HassTurnOn"), "state": assistant.states.get(entity.id).state,
                     "source": "discovery" if entity.id in imported else "home file"})
    return rows


class PageServer:
    """The page served on its own threads (Werkzeug's threaded server)."""

    def __init__(self, app: Flask, settings: PageSettings) -> None:
        self._server: BaseWSGIServer = make_server(settings.host, settings.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="hearth-page", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_port

    def start(self) -> "PageServer":
        self._thread.start()
        _LOGGER.info("Page on http://%s:%d/", self._server.host, self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
