"""Simulated patients for Locust (runs in .venv-bench, started by bench/load.py).

Each simulated patient holds one conversation from tests/stories (the user
turns, in order, in a conversation of its own: the first message goes without
a sender and the rest under the id the replies carry, as the widget's
patients get theirs), then starts another. The pause
between messages comes from BENCH_THINK="min,max" seconds: "0,0" for the
capacity shape, a few seconds for realistic patients.

Environment: BENCH_CONVERSATIONS (a JSON list of lists of messages)."""

import json
import os
import random

from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

CONVERSATIONS = json.loads(open(os.environ["BENCH_CONVERSATIONS"], encoding="utf-8").read())
THINK = [float(x) for x in os.environ.get("BENCH_THINK", "0,0").split(",")]


class Patient(FastHttpUser):
    # FastHttpUser: less load-generator CPU on a 2-core machine shared with the server.
    wait_time = constant(0) if THINK[1] <= 0 else between(*THINK)
    network_timeout = 60.0
    connection_timeout = 10.0

    @task
    def converse(self) -> None:
        sender = None
        for i, text in enumerate(random.choice(CONVERSATIONS)):
            if i:
                self.wait()
            body = {"message": text} if sender is None else {"sender": sender, "message": text}
            with self.client.post("/webhooks/rest/webhook", json=body, name="message", catch_response=True) as response:
                try:
                    replies = response.json()
                except Exception:
                    response.failure("not JSON")
                    continue
                if not isinstance(replies, list) or not replies:
                    response.failure("not a list of replies")
                    continue
                sender = sender or replies[0].get("recipient_id")
