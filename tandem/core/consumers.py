from channels.generic.websocket import AsyncJsonWebsocketConsumer

# A health ping is tiny; anything bigger is refused before it is parsed or sent on.
MAX_FRAME_CHARS = 4096


class HealthConsumer(AsyncJsonWebsocketConsumer):
    """A WebSocket round trip through the channel layer: proves ASGI, WebSockets and the layer.

    The client sends {"ping": <anything>}; the message goes out through the channel layer
    (in-memory or Redis) and comes back as {"pong": <anything>}. Anything else (binary frames,
    text that is not JSON, JSON without "ping") answers an error object; the socket stays open.
    """

    async def connect(self) -> None:
        await self.accept()

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: object
    ) -> None:
        # channels' default raises (and drops the connection) on binary or malformed frames.
        if text_data is None:
            await self._error("Send text frames with JSON.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self._error(f"Frames may be at most {MAX_FRAME_CHARS} characters.")
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
            await self._error("The frame is not valid JSON.")
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content: object, **kwargs: object) -> None:
        if not isinstance(content, dict) or "ping" not in content:
            await self._error('Send {"ping": …}.')
            return
        await self.channel_layer.send(
            self.channel_name, {"type": "health.pong", "value": content["ping"]}
        )

    async def health_pong(self, event: dict) -> None:
        await self.send_json({"pong": event["value"]})

    async def _error(self, message: str) -> None:
        await self.send_json({"error": {"code": "invalid", "message": message}})
