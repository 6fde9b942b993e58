"""The connection to the home's MQTT broker (paho-mqtt), with TLS and passwords.

Publishing waits for the broker's acknowledgement (QoS 1 by default), so a
command is either known delivered to the broker or reported as failed.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from typing import Callable, Optional

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from devices.hushed import Hushed
from devices.mqtt_settings import MqttSettings
from devices.redelivery import Redeliveries

_LOGGER = logging.getLogger(__name__)

#: How long the broker keeps a persistent MQTT 5 session after the connection drops: long enough for
#: a restart of the service, short enough that a Hearth removed for good is forgotten.
_SESSION_EXPIRY_SECONDS = 3600

#: Longest wait between two tries to reach the broker again. A broker restarted without its saved
#: state has no subscription of Hearth's until Hearth is back, and drops commands sent meanwhile; a
#: refused connection to a LAN broker costs next to nothing, so the tries stay close together.
RECONNECT_MAX_SECONDS = 0.5
#: First wait after the link drops.
RECONNECT_MIN_SECONDS = 0.1

MessageHandler = Callable[[str, bytes], None]


class MqttError(Exception):
    """The broker cannot be reached or did not accept a message; one line.

    ``in_doubt`` is True when the message may have reached the broker all the same (it was written
    to a connection that then stopped answering): a caller must not say it failed for certain."""

    def __init__(self, message: str, in_doubt: bool = False) -> None:
        super().__init__(message)
        self.in_doubt = in_doubt


class MqttLink:
    """A connected MQTT client; use as a context manager or call close()."""

    def __init__(self, settings: MqttSettings, client_id: str, persistent: bool = False) -> None:
        """``persistent``: the broker keeps this client's subscriptions and queues their QoS 1 messages
        while it is away (a clean session would lose commands sent during a reconnect); only for a
        long-running process with a client id of its own."""
        if not settings.host:
            raise MqttError("no MQTT broker configured (mqtt.host is empty)")
        self.settings = settings
        self.client_id = client_id
        if settings.protocol == "5":
            self._client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
            self._connect_properties: Optional[Properties] = None
            if persistent:
                self._connect_properties = Properties(PacketTypes.CONNECT)
                self._connect_properties.SessionExpiryInterval = _SESSION_EXPIRY_SECONDS
        else:
            self._client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id,
                                       protocol=paho.MQTTv311, clean_session=not persistent)
            self._connect_properties = None
        self._persistent = persistent
        self._was_connected = False
        self._connected = threading.Event()
        self._answered = threading.Event()
        self._refused: Optional[str] = None
        self._topics: list[str] = []
        self._when_connected: list[Callable[[], None]] = []
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_subscribe = self._on_subscribe
        self._probes: dict[int, threading.Event] = {}  # subscription acknowledgements awaited, by message id
        self._probes_lock = threading.Lock()  # the acknowledgement may come before subscribe() returns its id
        self._failures: set[str] = set()  # reasons already said: a retry every few seconds says nothing new
        self._redeliveries = Redeliveries()  # QoS 1 is at least once: a command handled is not run again
        self._hushed = Hushed(_LOGGER)
        if settings.username:
            self._client.username_pw_set(settings.username, settings.password)
        if settings.tls.enabled:
            self._client.tls_set(
                ca_certs=settings.tls.ca_certs, certfile=settings.tls.certfile,
                keyfile=settings.tls.keyfile, cert_reqs=ssl.CERT_REQUIRED,
            )
            self._client.tls_insecure_set(settings.tls.insecure)

    def _on_connect(self, client: paho.Client, userdata: object, flags: object, reason: paho.ReasonCode, props: object) -> None:
        if reason.is_failure:
            self._refused = str(reason)
            _LOGGER.warning("MQTT broker %s refused the connection: %s", self.where, reason)
        else:
            for topic in self._topics:  # a new session after a broker restart has no subscriptions
                client.subscribe(topic, qos=self.settings.qos)
            if self._persistent and self._was_connected and not getattr(flags, "session_present", True):
                _LOGGER.warning("MQTT broker %s no longer had Hearth's session (restarted without its saved "
                                "state): commands sent while Hearth was away were dropped by the broker", self.where)
            self._was_connected = True
            self._refused = None
            self._connected.set()
            _LOGGER.info("Connected to MQTT broker %s", self.where)
            for callback in self._when_connected:
                try:
                    callback()
                except Exception:  # one failing announcer must not break the connection
                    _LOGGER.exception("Error after connecting")
        self._answered.set()

    def _on_disconnect(self, client: paho.Client, userdata: object, flags: object, reason: paho.ReasonCode, props: object) -> None:
        self._connected.clear()
        if reason.is_failure and self._refused is None:  # a refusal was said already, with its reason
            _LOGGER.warning("Disconnected from MQTT broker: %s", reason)

    def _on_connect_fail(self, client: paho.Client, userdata: object) -> None:
        """paho retries in the background and gives no reason: find it (a refused port, a certificate
        that does not verify) and say each reason once."""
        reason = self._why_not()
        if reason not in self._failures:
            self._failures.add(reason)
            _LOGGER.error("Cannot connect to MQTT broker %s: %s (retrying)", self.where, reason)

    def _why_not(self) -> str:
        """What stops a connection now, found by making one as paho would."""
        try:
            with socket.create_connection((self.settings.host or "", self.settings.port), timeout=5) as raw:
                tls = self.settings.tls
                if not tls.enabled:
                    return "the connection was lost while connecting"
                context = ssl.create_default_context(cafile=tls.ca_certs)
                if tls.certfile:
                    context.load_cert_chain(tls.certfile, tls.keyfile)
                context.check_hostname = not tls.insecure
                with context.wrap_socket(raw, server_hostname=self.settings.host):
                    return "the TLS handshake failed"
        except ssl.SSLError as err:
            return f"TLS: {err}"
        except OSError as err:
            return str(err) or type(err).__name__

    @property
    def where(self) -> str:
        """host:port for messages."""
        return f"{self.settings.host}:{self.settings.port}"

    def set_will(self, topic: str, payload: str) -> None:
        """Last will, published by the broker if Hearth vanishes (call before connect)."""
        self._client.will_set(topic, payload, qos=1, retain=True)

    def when_connected(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` (on the network thread) after every (re)connection, and now if connected."""
        self._when_connected.append(callback)
        if self._connected.is_set():
            callback()

    def wait_connected(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the connection (after ``start``); True once connected."""
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        """True while the broker is reachable."""
        return self._connected.is_set()

    def start(self) -> None:
        """Connect in the background and keep reconnecting (0.1 s, doubling up to 0.5 s).

        For the long-running service: it starts even while the broker is down."""
        self._client.reconnect_delay_set(min_delay=RECONNECT_MIN_SECONDS,  # type: ignore[arg-type]
                                         max_delay=RECONNECT_MAX_SECONDS)  # type: ignore[arg-type]
        self._client.connect_async(self.settings.host or "", self.settings.port, self.settings.keepalive,
                                   **self._session_args())
        self._client.loop_start()

    def connect(self, timeout: float = 10.0) -> None:
        """Connect now and start the network thread; raises MqttError with the reason (one-shot commands)."""
        try:
            self._client.connect(self.settings.host or "", self.settings.port, self.settings.keepalive,
                                 **self._session_args())
        except (OSError, socket.error, ssl.SSLError) as err:
            raise MqttError(f"cannot connect to MQTT broker {self.where}: {err}") from None
        self._client.loop_start()
        if not self._answered.wait(timeout) or self._refused:
            self._client.loop_stop()
            reason = self._refused or "no answer"
            raise MqttError(f"MQTT broker {self.where} refused the connection: {reason}")

    def _session_args(self) -> dict[str, object]:
        """MQTT 5 keeps a persistent session with clean_start off and an expiry; 3.1.1 set it above."""
        if self.settings.protocol != "5":
            return {}
        return {"clean_start": not self._persistent, "properties": self._connect_properties}

    def publish(self, topic: str, payload: str | bytes, retain: bool = False, wait: bool = True) -> None:
        """Publish and wait for the broker's acknowledgement.

        A message the broker did not acknowledge in time is forgotten, never sent later: the caller
        is about to say it failed. From inside a message handler pass ``wait=False``: handlers run
        on the network thread, which is the thread that would receive the ack.
        """
        if wait and not self._connected.wait(self.settings.publish_timeout):
            # Not handed to paho: it would queue the command and send it whenever
            # the broker returns, long after the user was told it failed.
            raise MqttError(f"MQTT broker {self.where} is unreachable: nothing sent to {topic}")
        info = self._client.publish(topic, payload, qos=self.settings.qos, retain=retain)
        if not wait:
            return
        try:
            info.wait_for_publish(self.settings.publish_timeout)
        except (RuntimeError, ValueError) as err:
            self._forget(info.mid)
            raise MqttError(f"could not publish to {topic}: {err}") from None
        if not info.is_published():
            sent = self._forget(info.mid)
            raise MqttError(f"broker {self.where} did not acknowledge {topic} in {self.settings.publish_timeout:g} s",
                            in_doubt=sent)

    def probe(self) -> None:
        """Make sure the broker answers now, MqttError if not. Before a command: a broker that hung since
        the last message would otherwise take the command into its socket and carry it out whenever it
        wakes, after Hearth said it failed. The probe is a subscription to Hearth's own probe topic,
        acknowledged by the broker and seen by nobody (a published probe would reach every ``#``
        subscriber); one answered late costs nothing."""
        timeout = self.settings.publish_timeout
        if not self._connected.wait(timeout):
            raise MqttError(f"MQTT broker {self.where} is unreachable: nothing sent")
        answered = threading.Event()
        with self._probes_lock:
            result, mid = self._client.subscribe(f"{self.settings.topic_prefix}/probe/{self.client_id}", qos=0)
            if result != paho.MQTT_ERR_SUCCESS:
                raise MqttError(f"MQTT broker {self.where} is unreachable: {paho.error_string(result)}")
            self._probes[mid] = answered
        try:
            if not answered.wait(timeout):
                raise MqttError(f"broker {self.where} did not answer in {timeout:g} s: nothing sent")
        finally:
            with self._probes_lock:
                self._probes.pop(mid, None)

    def _on_subscribe(self, client: paho.Client, userdata: object, mid: int, reasons: object, props: object) -> None:
        with self._probes_lock:
            answered = self._probes.get(mid)
        if answered is not None:
            answered.set()

    def _forget(self, mid: int) -> bool:
        """Drop an unacknowledged message from paho's queue so no reconnection sends it again; True when
        it had already been written to the connection (it may reach the broker all the same)."""
        # paho offers only drop_out_messages(), which would drop everyone's; its queue is guarded by
        # _out_message_mutex, and a message's state says whether it was written.
        with self._client._out_message_mutex:
            message = self._client._out_messages.pop(mid, None)
            if message is None:
                return False
            written = message.state not in (paho.mqtt_ms_publish, paho.mqtt_ms_queued)
            if written:
                self._client._inflight_messages = max(0, self._client._inflight_messages - 1)
            return written

    def subscribe(self, topic: str, handler: MessageHandler) -> None:
        """Call ``handler(topic, payload)`` for each message; its errors are logged, never fatal."""

        def dispatch(client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
            if self._redeliveries.again(message.topic, message.payload, message.qos, bool(message.dup)):
                self._hushed.warning("Ignored a message on %s delivered again by the broker (handled already)",
                                     message.topic)
                return
            try:
                handler(message.topic, message.payload)
            except Exception:  # a bad payload must not stop the network thread
                _LOGGER.exception("Error handling message on %s", message.topic)

        # Messages from a shared subscription carry the plain topic: match on that.
        plain = topic.split("/", 2)[2] if topic.startswith("$share/") and topic.count("/") >= 2 else topic
        self._client.message_callback_add(plain, dispatch)
        self._topics.append(topic)
        if self._connected.is_set():
            self._client.subscribe(topic, qos=self.settings.qos)

    def close(self) -> None:
        """Disconnect cleanly."""
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> "MqttLink":
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
