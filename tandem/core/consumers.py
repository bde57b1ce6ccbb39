from channels.generic.websocket import AsyncJsonWebsocketConsumer


class HealthConsumer(AsyncJsonWebsocketConsumer):
    """A WebSocket round trip through the channel layer: proves ASGI, WebSockets and the layer.

    The client sends {"ping": <anything>}; the message goes out through the channel layer
    (in-memory or Redis) and comes back as {"pong": <anything>}.
    """

    async def connect(self) -> None:
        await self.accept()

    async def receive_json(self, content: dict, **kwargs: object) -> None:
        if not isinstance(content, dict) or "ping" not in content:
            await self.send_json({"error": {"code": "invalid", "message": 'Send {"ping": …}.'}})
            return
        await self.channel_layer.send(
            self.channel_name, {"type": "health.pong", "value": content["ping"]}
        )

    async def health_pong(self, event: dict) -> None:
        await self.send_json({"pong": event["value"]})
