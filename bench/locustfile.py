"""Simulated patients for Locust (runs in .venv-bench, started by bench/load.py).

Each simulated patient holds one conversation from tests/stories (the user
turns, in order, under a fresh sender id), then starts another. The pause
between messages comes from BENCH_THINK="min,max" seconds: "0,0" for the
capacity shape, a few seconds for realistic patients.

Environment: BENCH_CONVERSATIONS (a JSON list of lists of messages)."""

import json
import os
import random
import uuid

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
        sender = f"bench-{uuid.uuid4().hex[:16]}"
        for i, text in enumerate(random.choice(CONVERSATIONS)):
            if i:
                self.wait()
            body = {"sender": sender, "message": text}
            with self.client.post("/webhooks/rest/webhook", json=body, name="message", catch_response=True) as response:
                try:
                    replies = response.json()
                except Exception:
                    response.failure("not JSON")
                    continue
                if not isinstance(replies, list):
                    response.failure("not a list of replies")
