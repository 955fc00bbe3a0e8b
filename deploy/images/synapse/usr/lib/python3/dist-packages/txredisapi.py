"""A small Redis client for Twisted, written for Homeserver Panel's Synapse image.

Synapse's workers replicate through Redis with the txredisapi library, which Debian does not
package. This module gives the part of txredisapi's interface that Synapse uses
(synapse/replication/tcp/redis.py and external_cache.py): RedisFactory, ConnectionHandler,
UnixConnectionHandler and SubscriberProtocol, with PING, PUBLISH, GET, SET and SUBSCRIBE.
It speaks RESP2 (https://redis.io/docs/reference/protocol-spec/). Nothing else is supported.
"""

import collections

from twisted.internet import defer, protocol

__all__ = ["ConnectionError", "ConnectionHandler", "RedisError", "RedisFactory", "RedisProtocol", "SubscriberProtocol", "UnixConnectionHandler"]


class RedisError(Exception):
    """An error reply from the server."""


class ConnectionError(RedisError):  # noqa: A001 - txredisapi's name
    """There is no connection to send the command on, or it was lost before the reply."""


class _Incomplete(Exception):
    pass


def _encode(value, charset):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode(charset)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value).encode("ascii")
    raise RedisError("Cannot send %r to Redis: only str, bytes and numbers" % (type(value),))


class RedisProtocol(protocol.Protocol):
    """One connection: commands are pipelined, and replies come back in the order they were sent."""

    def __init__(self, charset="utf-8", replyTimeout=None, password=None, dbid=None, convertNumbers=True, **_):
        self.charset = charset
        self.password = password
        self.dbid = dbid
        self.connected = 0
        self.factory = None
        self._buffer = b""
        self._pending = collections.deque()

    # --- connection --------------------------------------------------------------------------
    def connectionMade(self):
        self.connected = 1
        ready = defer.succeed(None)
        if self.password:
            ready.addCallback(lambda _: self.execute_command("AUTH", self.password))
        if self.dbid is not None:
            ready.addCallback(lambda _: self.execute_command("SELECT", self.dbid))

        def added(_):
            if self.factory is not None:
                self.factory.addConnection(self)

        def failed(failure):
            self.transport.loseConnection()
            return None

        ready.addCallbacks(added, failed)

    def connectionLost(self, reason=protocol.connectionDone):
        self.connected = 0
        if self.factory is not None:
            self.factory.delConnection(self)
        pending, self._pending = self._pending, collections.deque()
        for d in pending:
            d.errback(ConnectionError("Lost connection to Redis"))

    # --- replies -----------------------------------------------------------------------------
    def dataReceived(self, data):
        self._buffer += data
        while self._buffer:
            try:
                reply, end = self._parse(self._buffer, 0)
            except _Incomplete:
                return
            self._buffer = self._buffer[end:]
            self.replyReceived(reply)

    def _line(self, buffer, start):
        end = buffer.find(b"\r\n", start)
        if end < 0:
            raise _Incomplete()
        return buffer[start:end], end + 2

    def _parse(self, buffer, start):
        line, pos = self._line(buffer, start)
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode(self.charset, "replace"), pos
        if kind == b"-":
            return RedisError(rest.decode(self.charset, "replace")), pos
        if kind == b":":
            return int(rest), pos
        if kind == b"$":
            length = int(rest)
            if length < 0:
                return None, pos
            if len(buffer) < pos + length + 2:
                raise _Incomplete()
            return self._decode(buffer[pos:pos + length]), pos + length + 2
        if kind == b"*":
            count = int(rest)
            if count < 0:
                return None, pos
            items = []
            for _ in range(count):
                item, pos = self._parse(buffer, pos)
                items.append(item)
            return items, pos
        raise RedisError("Unexpected reply from Redis: %r" % (line[:40],))

    def _decode(self, data):
        if self.charset is None:
            return data
        try:
            return data.decode(self.charset)
        except UnicodeDecodeError:
            return data

    def replyReceived(self, reply):
        if not self._pending:
            return
        d = self._pending.popleft()
        if isinstance(reply, RedisError):
            d.errback(reply)
        else:
            d.callback(reply)

    # --- commands ----------------------------------------------------------------------------
    def execute_command(self, *args):
        if not self.connected:
            return defer.fail(ConnectionError("Not connected to Redis"))
        try:
            parts = [_encode(a, self.charset) for a in args]
        except RedisError:
            return defer.fail()
        frame = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
        d = defer.Deferred()
        self._pending.append(d)
        self.transport.write(frame)
        return d

    def ping(self):
        return self.execute_command("PING")

    def publish(self, channel, message):
        return self.execute_command("PUBLISH", channel, message)

    def get(self, key):
        return self.execute_command("GET", key)

    def set(self, key, value, expire=None, pexpire=None, only_if_not_exists=False, only_if_exists=False):
        args = ["SET", key, value]
        if expire is not None:
            args += ["EX", expire]
        if pexpire is not None:
            args += ["PX", pexpire]
        if only_if_not_exists:
            args.append("NX")
        elif only_if_exists:
            args.append("XX")
        return self.execute_command(*args)


class SubscriberProtocol(RedisProtocol):
    """A connection in subscribe mode: pushed messages go to messageReceived()."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._subscribing = collections.deque()

    def subscribe(self, channels):
        if isinstance(channels, (str, bytes)):
            channels = [channels]
        channels = list(channels)
        if not self.connected:
            return defer.fail(ConnectionError("Not connected to Redis"))
        d = defer.Deferred()
        # One confirmation comes back per channel.
        self._subscribing.append([len(channels), d])
        self.transport.write(b"*%d\r\n" % (len(channels) + 1) + b"".join(
            b"$%d\r\n%s\r\n" % (len(p), p) for p in [b"SUBSCRIBE"] + [_encode(c, self.charset) for c in channels]))
        return d

    def replyReceived(self, reply):
        if isinstance(reply, list) and reply and isinstance(reply[0], (str, bytes)):
            kind = reply[0].decode() if isinstance(reply[0], bytes) else reply[0]
            kind = kind.lower()
            if kind == "message" and len(reply) == 3:
                self.messageReceived(None, reply[1], reply[2])
                return
            if kind == "pmessage" and len(reply) == 4:
                self.messageReceived(reply[1], reply[2], reply[3])
                return
            if kind == "subscribe" and self._subscribing:
                waiting = self._subscribing[0]
                waiting[0] -= 1
                if waiting[0] <= 0:
                    self._subscribing.popleft()
                    waiting[1].callback(reply[2] if len(reply) > 2 else None)
                return
            if kind == "pong":
                # PING in subscribe mode answers ["pong", ""].
                super().replyReceived("PONG")
                return
        super().replyReceived(reply)

    def connectionLost(self, reason=protocol.connectionDone):
        subscribing, self._subscribing = self._subscribing, collections.deque()
        for _, d in subscribing:
            d.errback(ConnectionError("Lost connection to Redis"))
        super().connectionLost(reason)

    def messageReceived(self, pattern, channel, message):
        """Override: a message published on a subscribed channel."""


class RedisFactory(protocol.ReconnectingClientFactory):
    """Connects (and reconnects); connected protocols are in pool, and handler sends commands on them."""

    protocol = RedisProtocol
    maxDelay = 10

    def __init__(self, uuid, dbid, poolsize, isLazy=False, handler=None, charset="utf-8", password=None, replyTimeout=None, convertNumbers=True):
        self.uuid = uuid
        self.dbid = dbid
        self.poolsize = poolsize
        self.isLazy = isLazy
        self.charset = charset
        self.password = password
        self.replyTimeout = replyTimeout
        self.convertNumbers = convertNumbers
        self.pool = []
        self._waiting = []
        self._next = 0
        self.handler = (handler or ConnectionHandler)(self)

    def buildProtocol(self, addr):
        p = self.protocol(charset=self.charset, replyTimeout=self.replyTimeout, password=self.password, dbid=self.dbid, convertNumbers=self.convertNumbers)
        p.factory = self
        self.resetDelay()
        return p

    def addConnection(self, conn):
        self.pool.append(conn)
        waiting, self._waiting = self._waiting, []
        for d in waiting:
            d.callback(conn)

    def delConnection(self, conn):
        if conn in self.pool:
            self.pool.remove(conn)

    def getConnection(self):
        """A connected protocol, now or once one connects."""
        if self.pool:
            self._next = (self._next + 1) % len(self.pool)
            return defer.succeed(self.pool[self._next])
        d = defer.Deferred()
        self._waiting.append(d)
        return d


class ConnectionHandler:
    """What callers hold: each command goes to a connected protocol of the factory's pool."""

    def __init__(self, factory):
        self._factory = factory

    def _call(self, name, *args, **kwargs):
        d = self._factory.getConnection()
        d.addCallback(lambda conn: getattr(conn, name)(*args, **kwargs))
        return d

    def execute_command(self, *args):
        return self._call("execute_command", *args)

    def ping(self):
        return self._call("ping")

    def publish(self, channel, message):
        return self._call("publish", channel, message)

    def get(self, key):
        return self._call("get", key)

    def set(self, key, value, **kwargs):
        return self._call("set", key, value, **kwargs)

    def disconnect(self):
        self._factory.stopTrying()
        for conn in list(self._factory.pool):
            conn.transport.loseConnection()
        return defer.succeed(None)


class UnixConnectionHandler(ConnectionHandler):
    """The same, over a Unix socket (the factory is connected with connectUNIX)."""
