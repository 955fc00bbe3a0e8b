"""The echo bridge: the smallest real appservice, to prove that bridging works on a server.

It joins every room it is invited to and answers each text message with "echo: <text>". It is
built on mautrix-python, the framework the mautrix bridges grew from, and reads a small YAML file
that Homeserver Panel writes (see `write_config` in the panel's bridge catalog, format "echo").
"""
import asyncio
import logging
import signal
import sys

import yaml
from mautrix.appservice import AppService
from mautrix.types import EventType, Membership

CONFIG_PATH = sys.argv[1] if len(sys.argv) > 1 else "/data/config.yaml"

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
log = logging.getLogger("echo-bridge")


async def main() -> None:
    with open(CONFIG_PATH, encoding="utf-8") as f:
        config = yaml.safe_load(f)

    appservice = AppService(
        server=config["homeserver"]["address"],
        domain=config["homeserver"]["domain"],
        as_token=config["appservice"]["as_token"],
        hs_token=config["appservice"]["hs_token"],
        bot_localpart=config["appservice"]["bot_localpart"],
        id=config["appservice"]["id"],
        log=logging.getLogger("mau.as"),
    )

    @appservice.matrix_event_handler
    async def handle(event) -> None:
        bot = appservice.bot_mxid
        if event.type == EventType.ROOM_MEMBER and event.state_key == bot and event.content.membership == Membership.INVITE:
            log.info("Invited to %s by %s: joining", event.room_id, event.sender)
            await appservice.intent.join_room(event.room_id)
        elif event.type == EventType.ROOM_MESSAGE and event.sender != bot:
            body = getattr(event.content, "body", None)
            if body:
                await appservice.intent.send_notice(event.room_id, f"echo: {body}")

    await appservice.start(host=config["appservice"].get("hostname", "0.0.0.0"), port=int(config["appservice"]["port"]))
    log.info("Listening on port %s", config["appservice"]["port"])

    # The homeserver may still be restarting (it just loaded this bridge's registration): retry for
    # two minutes, then give up loudly so that the panel shows a crashed bridge with this log.
    for attempt in range(60):
        try:
            await appservice.intent.ensure_registered()
            await appservice.intent.set_displayname(config["appservice"].get("bot_displayname", "Echo bridge"))
            break
        except Exception as e:  # noqa: BLE001 - any failure here means "not yet"
            log.info("Homeserver not ready yet (%s); retrying", e)
            await asyncio.sleep(2)
    else:
        log.error("The homeserver at %s never accepted this bridge's token; is the registration loaded?", config["homeserver"]["address"])
        await appservice.stop()
        sys.exit(2)
    appservice.ready = True
    log.info("Ready as %s", appservice.bot_mxid)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await appservice.stop()


if __name__ == "__main__":
    asyncio.run(main())
