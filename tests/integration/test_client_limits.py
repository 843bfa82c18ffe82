"""A single Rasa server (make run, no nginx) limits each client itself: a
flood from one address is refused while another patient is answered."""

from tests.helpers import flood, post_from


def test_a_flood_from_one_address_is_refused_while_other_patients_are_answered(bot):
    statuses = flood(bot.url, source="127.0.0.2")
    assert statuses.count(429) > 0, statuses
    assert 200 in statuses  # limited, not locked out
    assert set(statuses) <= {200, 429}
    assert post_from("127.0.0.3", bot.url, "how fast does ketamine work?") == 200


def test_one_address_may_hold_only_so_many_socket_connections(bot):
    import asyncio

    import aiohttp
    import socketio

    from clinicbot.channels.client_limits import CONNECTIONS_PER_CLIENT

    async def connections_from(source: str, tries: int) -> int:
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(source, 0), limit=0))
        clients, connected = [], 0
        try:
            for _ in range(tries):
                client = socketio.AsyncClient(reconnection=False, http_session=session)
                clients.append(client)
                try:
                    await client.connect(
                        bot.url, headers={"Origin": bot.origins[0]}, transports=["polling"], wait_timeout=10
                    )
                    connected += 1
                except socketio.exceptions.ConnectionError:
                    pass
            return connected
        finally:
            for client in clients:
                if client.connected:
                    await client.eio.disconnect(abort=True)
            await session.close()

    async def scenario():
        crowded = await connections_from("127.0.0.4", CONNECTIONS_PER_CLIENT + 5)
        other = await connections_from("127.0.0.5", 1)
        return crowded, other

    crowded, other = asyncio.run(scenario())
    assert crowded == CONNECTIONS_PER_CLIENT
    assert other == 1  # another patient still gets in
