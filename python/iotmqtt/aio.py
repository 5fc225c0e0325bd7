"""The asyncio driver: the sans-IO core over TCP or TLS, reconnecting on the core's timer.

:class:`Client` is an MQTT 3.1.1 / 5.0 client; :class:`IotdaDevice` a Huawei Cloud IoTDA
device whose command and property handlers answer the platform with their return values.
The driver only moves bytes and time: every protocol decision (keep-alive, acknowledgements,
resends, backoff, credentials refresh) is the core's. Each native call is short and returns at
once; all waiting happens in Python, in the event loop.

With a broker listening on ``MOSQUITTO_PORT``:

>>> import asyncio
>>> from iotmqtt import aio
>>> async def main(port: int) -> None:
...     async with aio.Client("127.0.0.1", port, client_id="doc-example") as client:
...         await client.subscribe("doc/example", qos=1)
...         await client.publish("doc/example", b"hello", qos=1)
...         async for message in client.messages():
...             print(message.topic, message.payload)
...             break
>>> asyncio.run(main(MOSQUITTO_PORT))
doc/example b'hello'
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import ssl as _ssl
import time
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Deque,
    Dict,
    Generic,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
)

from . import (
    Client as _CoreClient,
)
from . import (
    ClientConfig,
    Connected,
    ConnectionLost,
    CredentialsNeeded,
    Disconnected,
    Event,
    Message,
    MqttError,
    Properties,
    PublishAcked,
    PublishCompleted,
    PublishDropped,
    QueueFullError,
    ReconnectDue,
    RequestDropped,
    Subscribed,
    Subscription,
    Unsubscribed,
)
from .iotda import (
    Command,
    DeviceAuth,
    DeviceConfig,
    DeviceEvent,
    IotdaCredentials,
    PropertiesGet,
    PropertiesSet,
)
from .iotda import IotdaDevice as _CoreDevice

__all__ = [
    "Client",
    "Credentials",
    "CredentialsProvider",
    "IotdaDevice",
    "PublishResult",
]

log = logging.getLogger("iotmqtt.aio")

#: What a credentials provider returns: ``(username, password)``, or an object with
#: ``username``, ``password`` and optionally ``client_id`` attributes (such as
#: :class:`iotmqtt.iotda.IotdaCredentials`).
Credentials = Union[Tuple[Optional[str], Optional[Union[bytes, str]]], IotdaCredentials, Any]
#: Called on every ``CredentialsNeeded`` (before every CONNECT), so time-limited passwords are
#: fresh; may be a coroutine function.
CredentialsProvider = Callable[[], Union[Credentials, Awaitable[Credentials]]]
#: What ``await client.publish(...)`` returns at QoS 1 and 2: the acknowledgement event
#: (``reason`` ≥ 0x80 means the server refused the message); ``None`` at QoS 0.
PublishResult = Optional[Union[PublishAcked, PublishCompleted]]

E = TypeVar("E")
_CLOSED = object()


def _tls_context(
    tls: Union[bool, _ssl.SSLContext, None],
    ca_file: Optional[str],
    certfile: Optional[str],
    keyfile: Optional[str],
    check_hostname: bool,
) -> Optional[_ssl.SSLContext]:
    if isinstance(tls, _ssl.SSLContext):
        return tls
    if not tls and ca_file is None and certfile is None:
        return None
    ctx = _ssl.create_default_context(cafile=ca_file)
    if certfile is not None:
        ctx.load_cert_chain(certfile, keyfile)
    if not check_hostname:
        ctx.check_hostname = False
    return ctx


class _Protocol(asyncio.Protocol):
    """One transport's callbacks, forwarded to the session that opened it."""

    def __init__(self, session: "_Session[Any]") -> None:
        self.session = session
        self.transport: Optional[asyncio.Transport] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.session._on_connection_made(self)

    def data_received(self, data: bytes) -> None:
        self.session._on_data(self, data)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.session._on_connection_lost(self, exc)

    def pause_writing(self) -> None:
        self.session._write_paused = True

    def resume_writing(self) -> None:
        self.session._write_paused = False
        self.session._pump()


class _Session(Generic[E]):
    """The driver loop shared by :class:`Client` and :class:`IotdaDevice`: one sans-IO core,
    one transport at a time, the core's deadline as one timer, events in a bounded queue."""

    def __init__(
        self,
        core: Any,
        host: str,
        port: Optional[int],
        *,
        tls: Union[bool, _ssl.SSLContext, None],
        ca_file: Optional[str],
        certfile: Optional[str],
        keyfile: Optional[str],
        server_hostname: Optional[str],
        check_hostname: bool,
        connect_timeout: float,
        queue_size: int,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size: at least 1")
        self._core = core
        self._host = host
        self._ssl = _tls_context(tls, ca_file, certfile, keyfile, check_hostname)
        self._port = port if port is not None else (8883 if self._ssl else 1883)
        self._server_hostname = server_hostname
        self._connect_timeout = connect_timeout
        self._queue_size = queue_size
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._epoch = 0.0
        self._protocol: Optional[_Protocol] = None
        self._opening: Optional["asyncio.Task[None]"] = None
        self._timer: Optional[asyncio.TimerHandle] = None
        self._timer_at: Optional[int] = None
        self._write_paused = False
        self._read_paused = False
        self._pumping = False
        self._again = False
        self._events: Deque[Any] = collections.deque()
        self._event_ready: Optional[asyncio.Event] = None
        self._progress: List["asyncio.Future[None]"] = []
        self._connected_waiters: List["asyncio.Future[None]"] = []
        self._closed_waiters: List["asyncio.Future[None]"] = []
        self._last_error: Optional[BaseException] = None
        self._running = False
        self._tasks: "set[asyncio.Task[Any]]" = set()

    # ------------------------------------------------------------------ time and timer

    def _now(self) -> int:
        assert self._loop is not None
        return max(0, int((self._loop.time() - self._epoch) * 1000))

    def _arm(self) -> None:
        deadline = self._core.poll_timeout()
        if deadline == self._timer_at and self._timer is not None:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = deadline
        if deadline is not None and self._loop is not None:
            self._timer = self._loop.call_at(self._epoch + deadline / 1000, self._on_timer, deadline)

    def _on_timer(self, deadline: int) -> None:
        self._timer = None
        self._timer_at = None
        # The loop says the deadline passed; rounding must not make the core think otherwise.
        self._core.handle_timeout(max(self._now(), deadline))
        self._pump()

    # ------------------------------------------------------------------ the pump

    def _pump(self) -> None:
        """Moves everything the core has to give: bytes to the transport, events to their
        waiters or the queue; repeats while taking events produced more output."""
        if self._pumping:
            self._again = True
            return
        self._pumping = True
        try:
            core = self._core
            while True:
                self._again = False
                now = self._now()
                progressed = False
                if not self._write_paused:
                    out = core.poll_transmit(now)
                    if out:
                        progressed = True
                        if self._protocol is not None and self._protocol.transport is not None:
                            self._protocol.transport.write(out)
                space = self._queue_size - len(self._events)
                events = core.poll_events(space) if space > 0 else []
                for event in events:
                    self._dispatch(event)
                if events:
                    progressed = True
                if progressed:
                    self._wake_progress()
                if not events and not self._again:
                    break
            self._flow_control()
            self._arm()
        finally:
            self._pumping = False

    def _wake_progress(self) -> None:
        waiters, self._progress = self._progress, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    async def _wait_progress(self) -> None:
        assert self._loop is not None
        fut: "asyncio.Future[None]" = self._loop.create_future()
        self._progress.append(fut)
        await fut

    def _flow_control(self) -> None:
        """Stops reading while the application's event queue is full."""
        proto = self._protocol
        if proto is None or proto.transport is None:
            return
        full = len(self._events) >= self._queue_size
        if full and not self._read_paused:
            proto.transport.pause_reading()
            self._read_paused = True
        elif not full and self._read_paused and len(self._events) <= self._queue_size // 2:
            proto.transport.resume_reading()
            self._read_paused = False

    def _queue(self, event: Any) -> None:
        self._events.append(event)
        if self._event_ready is not None:
            self._event_ready.set()

    # ------------------------------------------------------------------ events the driver acts on

    def _dispatch(self, event: Any) -> None:
        if isinstance(event, CredentialsNeeded):
            self._credentials_needed()
        elif isinstance(event, ReconnectDue):
            self._open_transport()
        elif isinstance(event, Connected):
            self._last_error = None
            self._resolve(self._connected_waiters, None)
            self._queue(event)
        elif isinstance(event, ConnectionLost):
            self._last_error = event.error
            self._close_transport()
            # A first connection that the server refused, or that will not be retried, fails
            # `connect()`; later losses are the core's to retry.
            if event.reconnect_at is None or getattr(event.error, "code", None) == "connect_refused":
                self._fail(self._connected_waiters, event.error)
            self._queue(event)
        elif isinstance(event, Disconnected):
            self._close_transport()
            self._queue(event)
        else:
            self._on_event(event)

    def _on_event(self, event: Any) -> None:
        self._queue(event)

    def _credentials_needed(self) -> None:
        raise NotImplementedError

    @staticmethod
    def _resolve(waiters: List["asyncio.Future[None]"], value: None) -> None:
        for w in waiters:
            if not w.done():
                w.set_result(value)
        waiters.clear()

    @staticmethod
    def _fail(waiters: List["asyncio.Future[None]"], error: BaseException) -> None:
        for w in waiters:
            if not w.done():
                w.set_exception(error)
        waiters.clear()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        assert self._loop is not None
        task: "asyncio.Task[Any]" = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: "asyncio.Task[Any]") -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("iotmqtt: a driver task failed", exc_info=task.exception())

    # ------------------------------------------------------------------ transport

    def _open_transport(self) -> None:
        if self._opening is not None and not self._opening.done():
            return
        assert self._loop is not None
        self._opening = self._loop.create_task(self._open())

    async def _open(self) -> None:
        assert self._loop is not None
        loop = self._loop
        try:
            await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Protocol(self),
                    self._host,
                    self._port,
                    ssl=self._ssl,
                    server_hostname=(self._server_hostname or self._host) if self._ssl else None,
                ),
                self._connect_timeout,
            )
        except (OSError, asyncio.TimeoutError) as e:
            log.info("iotmqtt: cannot connect to %s:%s: %s", self._host, self._port, e)
            if self._running:
                self._core.handle_closed(self._now())
                self._pump()

    def _on_connection_made(self, proto: _Protocol) -> None:
        if not self._running:
            if proto.transport is not None:
                proto.transport.close()
            return
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.abort()
        self._protocol = proto
        self._write_paused = False
        self._read_paused = False
        self._handle_connected(self._now())
        self._pump()

    def _handle_connected(self, now: int) -> None:
        self._core.handle_connected(now)

    def _on_data(self, proto: _Protocol, data: bytes) -> None:
        if proto is not self._protocol:
            return
        self._core.handle_bytes(self._now(), data)
        self._pump()

    def _on_connection_lost(self, proto: _Protocol, exc: Optional[Exception]) -> None:
        if proto is not self._protocol:
            return
        self._protocol = None
        self._resolve(self._closed_waiters, None)
        if self._running:
            self._core.handle_closed(self._now())
            self._pump()

    def _close_transport(self) -> None:
        """Closes the transport once what was written is flushed."""
        proto = self._protocol
        if proto is not None and proto.transport is not None:
            proto.transport.close()

    # ------------------------------------------------------------------ lifecycle

    async def connect(self) -> None:
        """Starts the session and waits until the server accepts the first connection. With
        reconnection on, failed attempts are retried on the core's backoff for up to
        ``connect_timeout`` seconds; then (or at once, with reconnection off or a refused
        login) the last connection error is raised."""
        loop = asyncio.get_running_loop()
        if self._running:
            raise RuntimeError("already connected")
        self._loop = loop
        self._epoch = loop.time()
        self._event_ready = asyncio.Event()
        # A session can be connected again after `disconnect()`: its stream goes on.
        self._events = collections.deque(e for e in self._events if e is not _CLOSED)
        self._running = True
        connected: "asyncio.Future[None]" = loop.create_future()
        self._connected_waiters.append(connected)
        try:
            self._core.connect()
        except BaseException:
            self._running = False
            raise
        self._open_transport()
        try:
            await asyncio.wait_for(asyncio.shield(connected), self._connect_timeout)
        except asyncio.TimeoutError:
            error = self._last_error
            await self._shutdown()
            if isinstance(error, BaseException):
                raise error from None
            raise
        except BaseException:
            await self._shutdown()
            raise

    async def disconnect(self) -> None:
        """Sends DISCONNECT, waits (briefly) for the transport to close and stops the
        session. Events still queued can be read; :meth:`events` then ends."""
        if not self._running:
            return
        try:
            self._core.disconnect()
        except MqttError:
            pass  # already idle (lost without reconnection): nothing to send
        self._pump()
        await self._shutdown()

    async def _shutdown(self) -> None:
        assert self._loop is not None
        self._running = False
        if self._opening is not None and not self._opening.done():
            self._opening.cancel()
        proto = self._protocol
        if proto is not None and proto.transport is not None:
            waiter: "asyncio.Future[None]" = self._loop.create_future()
            self._closed_waiters.append(waiter)
            proto.transport.close()
            try:
                await asyncio.wait_for(waiter, 5.0)
            except asyncio.TimeoutError:
                proto.transport.abort()
        self._protocol = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for task in list(self._tasks):
            task.cancel()
        self._fail_pending(ConnectionError("the session was closed"))
        self._wake_progress()
        self._queue(_CLOSED)

    def _fail_pending(self, error: BaseException) -> None:
        pass

    async def __aenter__(self: "S") -> "S":
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    # ------------------------------------------------------------------ events

    async def _next_event(self) -> Any:
        if self._event_ready is None:
            raise RuntimeError("not connected: use `async with` or `await connect()` first")
        while not self._events:
            self._event_ready.clear()
            await self._event_ready.wait()
        event = self._events.popleft()
        if event is _CLOSED:
            self._events.appendleft(_CLOSED)
            raise StopAsyncIteration
        if self._read_paused and len(self._events) <= self._queue_size // 2:
            self._pump()
        return event

    async def _iterate(self) -> AsyncIterator[Any]:
        while True:
            try:
                event = await self._next_event()
            except StopAsyncIteration:
                return
            yield event

    @property
    def is_connected(self) -> bool:
        """True while the server has accepted the current connection."""
        return bool(self._core.is_connected)


S = TypeVar("S", bound=_Session[Any])


def _credentials_parts(c: Any) -> Tuple[Optional[str], Optional[str], Optional[bytes]]:
    """``(client_id, username, password)`` of what a credentials provider returned."""
    if isinstance(c, tuple):
        username, password = c
        client_id = None
    else:
        username, password = c.username, c.password
        client_id = getattr(c, "client_id", None)
    if isinstance(password, str):
        password = password.encode()
    return client_id, username, password


class Client(_Session[Event]):
    """An asyncio MQTT 3.1.1 / 5.0 client over TCP, or TLS with ``tls=True``, a CA file
    (``ca_file``), a client certificate (``certfile``/``keyfile``) or your own
    :class:`ssl.SSLContext`.

    ``config`` (a :class:`iotmqtt.ClientConfig`) or its fields as keywords set the session
    (client id, protocol, keep-alive, reconnect delays, queue bounds, …). ``credentials``
    answers the core's ``CredentialsNeeded`` before every CONNECT (it sets
    ``credentials="ask_each_time"``) — use it for passwords that expire.

    Use it as ``async with Client(...) as client:``; read what happens with
    ``async for event in client.events()`` (or :meth:`messages`). At most ``queue_size``
    events wait; while the queue is full the driver stops reading from the socket.
    """

    def __init__(
        self,
        host: str,
        port: Optional[int] = None,
        *,
        config: Optional[ClientConfig] = None,
        credentials: Optional[CredentialsProvider] = None,
        tls: Union[bool, _ssl.SSLContext, None] = None,
        ca_file: Optional[str] = None,
        certfile: Optional[str] = None,
        keyfile: Optional[str] = None,
        server_hostname: Optional[str] = None,
        check_hostname: bool = True,
        connect_timeout: float = 30.0,
        queue_size: int = 1024,
        **settings: Any,
    ) -> None:
        if config is None:
            config = ClientConfig(**settings)
        elif settings:
            raise TypeError("pass either config or its settings as keywords, not both")
        if credentials is not None:
            config.credentials = "ask_each_time"
        self._provider = credentials
        self._acks: Dict[int, "asyncio.Future[PublishResult]"] = {}
        self._requests: Dict[int, "asyncio.Future[Any]"] = {}
        super().__init__(
            _CoreClient(config),
            host,
            port,
            tls=tls,
            ca_file=ca_file,
            certfile=certfile,
            keyfile=keyfile,
            server_hostname=server_hostname,
            check_hostname=check_hostname,
            connect_timeout=connect_timeout,
            queue_size=queue_size,
        )

    @property
    def core(self) -> _CoreClient:
        """The sans-IO :class:`iotmqtt.Client` this driver runs (read its ``stats``,
        ``state``; commands go through this driver)."""
        core: _CoreClient = self._core
        return core

    # ------------------------------------------------------------------ credentials

    def _credentials_needed(self) -> None:
        provider = self._provider
        if provider is None:
            log.error("iotmqtt: credentials asked for but no provider given")
            self._close_transport()
            return
        try:
            result = provider()
        except Exception:
            log.exception("iotmqtt: the credentials provider failed")
            self._close_transport()
            return
        if inspect.isawaitable(result):
            self._spawn(self._credentials_later(result))
        else:
            self._set_credentials(result)

    async def _credentials_later(self, pending: Awaitable[Credentials]) -> None:
        try:
            result = await pending
        except Exception:
            log.exception("iotmqtt: the credentials provider failed")
            self._close_transport()
            return
        self._set_credentials(result)
        self._pump()

    def _set_credentials(self, c: Credentials) -> None:
        client_id, username, password = _credentials_parts(c)
        try:
            if client_id is not None:
                self._core.set_client_id(client_id)
            self._core.set_credentials(username, password)
        except MqttError as e:
            # The transport closed meanwhile (invalid_state), or the values are unusable.
            log.warning("iotmqtt: credentials not used: %s", e)
            if e.code != "invalid_state":
                self._close_transport()

    # ------------------------------------------------------------------ events

    def _on_event(self, event: Any) -> None:
        if isinstance(event, (PublishAcked, PublishCompleted)):
            fut = self._acks.pop(event.packet_id, None)
            if fut is not None:
                if not fut.done():
                    fut.set_result(event)
                return
        elif isinstance(event, PublishDropped):
            fut = self._acks.pop(event.packet_id, None) if event.packet_id is not None else None
            if fut is not None:
                if not fut.done():
                    fut.set_exception(event.error)
                return
        elif isinstance(event, RequestDropped):
            req = self._requests.pop(event.packet_id, None)
            if req is not None:
                if not req.done():
                    req.set_exception(event.error)
                return
        elif isinstance(event, (Subscribed, Unsubscribed)) and not getattr(event, "resubscribe", False):
            req = self._requests.pop(event.packet_id, None)
            if req is not None:
                if not req.done():
                    req.set_result(event)
                return
        self._queue(event)

    def _fail_pending(self, error: BaseException) -> None:
        for fut in list(self._acks.values()) + list(self._requests.values()):
            if not fut.done():
                fut.set_exception(error)
                fut.exception()  # retrieved: nobody may be waiting any more
        self._acks.clear()
        self._requests.clear()

    def events(self) -> AsyncIterator[Event]:
        """Every event, in order, until the client is closed: ``Message``, ``Connected``,
        ``ConnectionLost`` (the driver reconnects by itself), ``MessagesDropped``, … Acks of
        publishes and subscriptions go to the calls that wait for them."""
        return self._iterate()

    async def messages(self) -> AsyncIterator[Message]:
        """The ``Message`` events only (the others are dropped)."""
        async for event in self._iterate():
            if isinstance(event, Message):
                yield event

    # ------------------------------------------------------------------ commands

    def publish_nowait(
        self,
        topic: str,
        payload: Union[bytes, bytearray, memoryview] = b"",
        qos: int = 0,
        retain: bool = False,
        properties: Optional[Properties] = None,
    ) -> "asyncio.Future[PublishResult]":
        """Queues a message and returns at once a future of its acknowledgement (resolved
        with ``None`` at QoS 0). Raises ``QueueFullError`` at once when the core's bounded
        queue is full, and the core's other usage errors (bad topic, oversize, …)."""
        assert self._loop is not None, "not connected: use `async with` or `await connect()`"
        packet_id = self._core.publish(topic, payload, qos, retain, properties)
        fut: "asyncio.Future[PublishResult]" = self._loop.create_future()
        if packet_id is None:
            fut.set_result(None)
        else:
            self._acks[packet_id] = fut
        self._pump()
        return fut

    async def queue_publish(
        self,
        topic: str,
        payload: Union[bytes, bytearray, memoryview] = b"",
        qos: int = 0,
        retain: bool = False,
        properties: Optional[Properties] = None,
    ) -> "asyncio.Future[PublishResult]":
        """Waits for room in the bounded queue, queues the message and returns the future of
        its acknowledgement without waiting for it: the way to keep many messages in flight.

        >>> import asyncio
        >>> from iotmqtt import aio
        >>> async def burst() -> int:
        ...     async with aio.Client("127.0.0.1", MOSQUITTO_PORT, max_queued_messages=10) as client:
        ...         acks = [await client.queue_publish("t", b"%d" % i, qos=1) for i in range(100)]
        ...         return len(await asyncio.gather(*acks))
        >>> asyncio.run(burst())
        100
        """
        while True:
            try:
                return self.publish_nowait(topic, payload, qos, retain, properties)
            except QueueFullError:
                await self._wait_progress()

    async def publish(
        self,
        topic: str,
        payload: Union[bytes, bytearray, memoryview] = b"",
        qos: int = 0,
        retain: bool = False,
        properties: Optional[Properties] = None,
    ) -> PublishResult:
        """Publishes and waits: at QoS 0 until the message is handed to the transport (or
        queued while offline), at QoS 1/2 until the server acknowledges it; returns the
        acknowledgement. Waits for room while the queue is full. Raises
        ``PublishDroppedError`` if the message is given up (e.g. a new session with
        ``requeue="drop"``)."""
        return await (await self.queue_publish(topic, payload, qos, retain, properties))

    async def subscribe(
        self,
        subscriptions: Union[str, Tuple[str, int], Subscription, Iterable[Union[str, Tuple[str, int], Subscription]]],
        qos: int = 0,
        properties: Optional[Properties] = None,
    ) -> Subscribed:
        """Subscribes and waits for SUBACK; returns it (one reason code per filter: the
        granted QoS, or ≥ 0x80 for a refusal). Raises ``RequestDroppedError`` if, after a
        reconnect, the request no longer fits the server's Maximum Packet Size."""
        assert self._loop is not None, "not connected: use `async with` or `await connect()`"
        packet_id = self._core.subscribe(subscriptions, qos, properties)
        fut: "asyncio.Future[Any]" = self._loop.create_future()
        self._requests[packet_id] = fut
        self._pump()
        result: Subscribed = await fut
        return result

    async def unsubscribe(
        self, filters: Union[str, List[str]], properties: Optional[Properties] = None
    ) -> Unsubscribed:
        """Unsubscribes and waits for UNSUBACK (``RequestDroppedError`` as for
        :meth:`subscribe`)."""
        assert self._loop is not None, "not connected: use `async with` or `await connect()`"
        packet_id = self._core.unsubscribe(filters, properties)
        fut: "asyncio.Future[Any]" = self._loop.create_future()
        self._requests[packet_id] = fut
        self._pump()
        result: Unsubscribed = await fut
        return result

    def ack(self, token: int) -> None:
        """Acknowledges a message in manual-ack mode (its ``ack_token``)."""
        self._core.ack(token)
        self._pump()


# ----------------------------------------------------------------------------- IoTDA device

Handler = Callable[[Any], Any]


class IotdaDevice(_Session[DeviceEvent]):
    """A Huawei Cloud IoTDA device over asyncio: fresh credentials on every connection, the
    platform's rate limit, commands and property requests answered by your handlers.

    Register handlers with the decorators; a handler may be a function or a coroutine
    function, takes the request (:class:`iotmqtt.iotda.Command`, ``PropertiesSet``,
    ``PropertiesGet``) and returns the response payload as a dict. ``None`` means success
    (``{"result_code": 0}``); an exception answers ``{"result_code": 1}`` (and is logged, never
    sent). Requests without a handler arrive through :meth:`events`; answer them with
    :meth:`respond_command` and friends.

    >>> from iotmqtt import aio
    >>> from iotmqtt.iotda import DeviceAuth
    >>> device = aio.IotdaDevice("127.0.0.1", 1883, auth=DeviceAuth.secret("dev_1", "s3cr3t-Key"))
    >>> @device.on_command
    ... async def light(command):
    ...     return {"result_code": 0, "paras": {"on": command.command["paras"].get("on", True)}}
    """

    def __init__(
        self,
        host: str,
        port: Optional[int] = None,
        *,
        auth: Optional[DeviceAuth] = None,
        config: Optional[DeviceConfig] = None,
        tls: Union[bool, _ssl.SSLContext, None] = None,
        ca_file: Optional[str] = None,
        certfile: Optional[str] = None,
        keyfile: Optional[str] = None,
        server_hostname: Optional[str] = None,
        check_hostname: bool = True,
        connect_timeout: float = 30.0,
        queue_size: int = 1024,
        clock: Callable[[], float] = time.time,
        **settings: Any,
    ) -> None:
        if config is None:
            if auth is None:
                raise TypeError("IotdaDevice needs auth= or config=")
            config = DeviceConfig(auth, **settings)
        elif auth is not None or settings:
            raise TypeError("pass either config or auth and its settings, not both")
        self._clock = clock
        self._on_command: Optional[Handler] = None
        self._on_properties_set: Optional[Handler] = None
        self._on_properties_get: Optional[Handler] = None
        super().__init__(
            _CoreDevice(config),
            host,
            port,
            tls=tls,
            ca_file=ca_file,
            certfile=certfile,
            keyfile=keyfile,
            server_hostname=server_hostname,
            check_hostname=check_hostname,
            connect_timeout=connect_timeout,
            queue_size=queue_size,
        )

    @property
    def core(self) -> _CoreDevice:
        """The sans-IO :class:`iotmqtt.iotda.IotdaDevice` this driver runs."""
        core: _CoreDevice = self._core
        return core

    @property
    def device_id(self) -> str:
        """The device id."""
        return str(self._core.device_id)

    def _handle_connected(self, now: int) -> None:
        # The login is signed for the wall-clock hour: the UTC time goes in with the transport.
        self._core.handle_connected(now, self._clock())

    def _credentials_needed(self) -> None:
        # The device makes its own credentials; it never asks.
        log.error("iotmqtt: unexpected credentials request from the device core")

    # ------------------------------------------------------------------ handlers

    def on_command(self, handler: Handler) -> Handler:
        """Decorator: ``handler(command) -> response dict`` answers every command."""
        self._on_command = handler
        return handler

    def on_properties_set(self, handler: Handler) -> Handler:
        """Decorator: ``handler(request) -> response dict`` answers property writes."""
        self._on_properties_set = handler
        return handler

    def on_properties_get(self, handler: Handler) -> Handler:
        """Decorator: ``handler(request) -> properties report`` answers property reads."""
        self._on_properties_get = handler
        return handler

    def _on_event(self, event: Any) -> None:
        if isinstance(event, Command) and self._on_command is not None:
            self._spawn(self._answer(self._on_command, event, self._core.respond_command))
        elif isinstance(event, PropertiesSet) and self._on_properties_set is not None:
            self._spawn(self._answer(self._on_properties_set, event, self._core.respond_properties_set))
        elif isinstance(event, PropertiesGet) and self._on_properties_get is not None:
            self._spawn(self._answer(self._on_properties_get, event, self._core.respond_properties_get))
        else:
            self._queue(event)

    async def _answer(self, handler: Handler, request: Any, respond: Callable[[str, Any], None]) -> None:
        try:
            result = handler(request)
            if inspect.isawaitable(result):
                result = await result
            response: Any = {"result_code": 0} if result is None else result
        except Exception:
            log.exception("iotmqtt: the handler for request %s failed", request.request_id)
            response = {"result_code": 1}
        while True:
            try:
                respond(request.request_id, response)
                break
            except QueueFullError:
                await self._wait_progress()
            except MqttError:
                log.exception("iotmqtt: cannot answer request %s", request.request_id)
                break
        self._pump()

    # ------------------------------------------------------------------ events and commands

    def events(self) -> AsyncIterator[DeviceEvent]:
        """Every event without a handler, in order, until the device is closed."""
        return self._iterate()

    async def _queued(self, call: Callable[[], E]) -> E:
        """Runs a command, waiting for room while the upstream queue is full."""
        assert self._loop is not None, "not connected: use `async with` or `await connect()`"
        while True:
            try:
                result = call()
                break
            except QueueFullError:
                await self._wait_progress()
        self._pump()
        return result

    async def report_properties(
        self,
        report: Union[Mapping[str, Any], str, bytes],
        *,
        request_id: Optional[str] = None,
    ) -> None:
        """Reports properties (``{"services": [{"service_id": …, "properties": {…}}]}``).
        Returns once queued; messages leave at the platform's rate."""
        await self._queued(
            lambda: self._core.report_properties(
                report, "request_id" if request_id else None, request_id
            )
        )

    async def report_service(self, service_id: str, properties: Mapping[str, Any]) -> None:
        """Reports one service's properties, stamped with the current UTC time."""
        from .iotda import event_time

        await self.report_properties(
            {
                "services": [
                    {
                        "service_id": service_id,
                        "properties": dict(properties),
                        "event_time": event_time(self._clock()),
                    }
                ]
            }
        )

    async def send_message(self, payload: Union[bytes, str, Mapping[str, Any]]) -> None:
        """Sends a message on ``messages/up`` (a dict is sent as JSON)."""
        import json

        if isinstance(payload, Mapping):
            data = json.dumps(payload, separators=(",", ":")).encode()
        elif isinstance(payload, str):
            data = payload.encode()
        else:
            data = bytes(payload)
        await self._queued(lambda: self._core.send_message(data))

    async def respond_command(self, request_id: str, response: Mapping[str, Any]) -> None:
        """Answers a command that arrived through :meth:`events`."""
        await self._queued(lambda: self._core.respond_command(request_id, dict(response)))

    async def respond_properties_set(self, request_id: str, response: Mapping[str, Any]) -> None:
        """Answers a property write that arrived through :meth:`events`."""
        await self._queued(lambda: self._core.respond_properties_set(request_id, dict(response)))

    async def respond_properties_get(self, request_id: str, response: Mapping[str, Any]) -> None:
        """Answers a property read that arrived through :meth:`events`."""
        await self._queued(lambda: self._core.respond_properties_get(request_id, dict(response)))

    async def publish(self, topic: str, payload: bytes, qos: int = 0) -> None:
        """Publishes on a custom, ``user/``, M2M or the device's own system topic."""
        await self._queued(lambda: self._core.publish(topic, payload, qos, False))

    async def subscribe(self, filter: str, qos: int = 0) -> int:
        """Subscribes to a custom topic filter; returns the packet id (``Subscribed`` arrives
        through :meth:`events`)."""
        packet_id: int = await self._queued(lambda: self._core.subscribe(filter, qos))
        return packet_id

    async def get_shadow(self, service_id: Optional[str] = None) -> str:
        """Asks for the device shadow; returns the request id the ``Shadow`` event carries."""
        request_id: str = await self._queued(lambda: self._core.get_shadow(service_id))
        return request_id
