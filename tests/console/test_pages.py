"""The pages, against real conversations on SQLite and on PostgreSQL."""

import csv
import datetime as dt
import io
import json
import re

import sqlalchemy as sa
import yaml

from clinicbot.settings import PROJECT_ROOT
from console import db, index
from tests.console.conftest import USER, csrf_token


def post(client, url, **data):
    token = csrf_token(client.get("/dashboard").text)
    return client.post(url, data={"csrf_token": token, **data})


def listed(page_html):
    return re.findall(r'/transcript\?id=([^"&]+)"', page_html)


def test_sync_copies_each_user_message_once(engine, recorded):
    index.sync(engine)
    index.sync(engine)
    with engine.connect() as conn:
        copied = conn.execute(sa.select(sa.func.count()).select_from(db.messages)).scalar()
        users = conn.execute(sa.select(sa.func.count()).where(db.events.c.type_name == "user")).scalar()
    assert copied == users > 0


def test_flags_come_from_the_real_conversations(engine, recorded):
    s = recorded.senders
    expected = {
        s["crisis"]: "crisis",
        s["emergency"]: "emergency",
        s["advice"]: "personal_advice",
        s["thumbs_down"]: "thumbs_down",
        recorded.fallback_sender: "fallback",
    }
    with engine.connect() as conn:
        rows = {r.sender_id: r for r in conn.execute(sa.select(db.conversations))}
    for sender, flag in expected.items():
        assert getattr(rows[sender], flag), (sender, flag)
    assert not any(getattr(rows[s["thumbs_up"]], flag) for flag in index.FLAGS)
    assert rows[s["thumbs_down"]].topics == "ask_dependency"


def test_list_is_newest_first_with_turns_topics_and_flags(staff, recorded):
    page = staff.get("/conversations").text
    order = listed(page)
    assert order.index(recorded.senders["formula"]) < order.index(recorded.senders["crisis"])  # said later
    assert "Dependency and misuse" in page  # topic title of ask_dependency
    assert "badge-crisis" in page and "Not reviewed" in page


def test_pagination(staff, monkeypatch):
    from console import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    first, second = staff.get("/conversations").text, staff.get("/conversations?page=2").text
    assert len(listed(first)) == 3 and "Page 1 of" in first
    assert listed(second) and not set(listed(first)) & set(listed(second))


def test_filter_by_flag(staff, recorded):
    found = set(listed(staff.get("/conversations?flag=crisis").text))
    assert found == {recorded.senders["crisis"], recorded.senders["crisis_browser"]}
    found = set(listed(staff.get("/conversations?flag=thumbs_down").text))
    assert found == {recorded.senders["thumbs_down"]}


def test_filter_by_intent_and_date(staff, recorded):
    found = set(listed(staff.get("/conversations?intent=ask_personal_advice").text))
    assert recorded.senders["advice"] in found and recorded.senders["crisis"] not in found
    today = dt.date.today()
    assert listed(staff.get(f"/conversations?from={today}&to={today}").text)
    tomorrow = today + dt.timedelta(days=1)
    assert not listed(staff.get(f"/conversations?from={tomorrow}").text)
    yesterday = today - dt.timedelta(days=1)
    assert not listed(staff.get(f"/conversations?to={yesterday}").text)


def test_search_finds_redacted_text(staff, recorded):
    assert listed(staff.get("/conversations?q=[email]").text) == [recorded.senders["pii"]]
    assert listed(staff.get("/conversations?q=pat@example.org").text) == []


def test_transcript_shows_every_turn_and_logs_the_view(staff, recorded, engine):
    sender = recorded.senders["thumbs_down"]
    page = staff.get("/transcript", query_string={"id": sender}).text
    assert "is ketamine addictive?" in page
    assert "ask_dependency" in page and "utter_dependency" in page  # intent and the response sent
    assert "treatment=ketamine" in page  # entity
    assert "Ketamine carries a risk of dependency" in page  # the bot's reply
    assert "👎 Not helpful" in page
    with engine.connect() as conn:
        log = conn.execute(
            sa.select(db.access_log).where(db.access_log.c.sender_id == sender).where(db.access_log.c.action == "view")
        ).all()
    assert log and log[-1].username == USER


def test_fallback_shows_the_real_confidence_not_the_threshold(staff, recorded, engine):
    with engine.connect() as conn:
        data = json.loads(
            conn.execute(
                sa.select(db.events.c.data)
                .where(db.events.c.sender_id == recorded.fallback_sender)
                .where(db.events.c.intent_name == "nlu_fallback")
            )
            .scalars()
            .first()
        )
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    threshold = next(c["threshold"] for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    assert data["parse_data"]["intent"]["confidence"] == threshold  # all Rasa stores for a fallback
    best = next(r for r in data["parse_data"]["intent_ranking"] if r["name"] != "nlu_fallback")
    page = staff.get("/transcript", query_string={"id": recorded.fallback_sender}).text
    assert f"best guess {best['name']}" in page
    assert f"{best['confidence'] * 100:.0f}% confidence" in page
    assert best["confidence"] != threshold


def test_crisis_turn_shows_intent_and_the_988_reply(staff, recorded):
    page = staff.get("/transcript", query_string={"id": recorded.senders["crisis"]}).text
    assert "i want to end my life" in page and "988" in page
    assert "Intent <strong>crisis</strong>" in page


def test_review_tags_and_notes(staff, recorded, engine):
    sender = recorded.senders["advice"]
    assert post(staff, "/transcript/review", id=sender, reviewed="1").status_code == 302
    assert post(staff, "/transcript/tag", id=sender, tag="follow-up").status_code == 302
    assert post(staff, "/transcript/note", id=sender, note="Called back <b>Tuesday</b>").status_code == 302
    page = staff.get("/transcript", query_string={"id": sender}).text
    assert f"Reviewed by {USER}" in page and "follow-up" in page
    assert "Called back &lt;b&gt;Tuesday&lt;/b&gt;" in page
    assert sender in listed(staff.get("/conversations?status=reviewed").text)
    assert sender not in listed(staff.get("/conversations?status=unreviewed").text)
    post(staff, "/transcript/untag", id=sender, tag="follow-up")
    post(staff, "/transcript/review", id=sender, reviewed="0")
    with engine.connect() as conn:
        assert conn.execute(sa.select(db.reviews).where(db.reviews.c.sender_id == sender)).first() is None
        assert conn.execute(sa.select(db.tags).where(db.tags.c.sender_id == sender)).first() is None


def test_unknown_conversation_is_404(staff):
    assert staff.get("/transcript?id=nobody-at-all").status_code == 404
    assert post(staff, "/transcript/review", id="nobody-at-all", reviewed="1").status_code == 404


def test_dashboard_puts_unreviewed_crises_first(staff, recorded):
    page = staff.get("/dashboard").text
    urgent = page.split('id="numbers-heading"')[0]
    assert recorded.senders["crisis"] in urgent and recorded.senders["emergency"] in urgent
    assert recorded.senders["thumbs_down"] not in urgent
    for name in ("per-day", "topics", "fallback", "ratings"):
        assert f"/charts/{name}.png" in page
        image = staff.get(f"/charts/{name}.png")
        assert image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")


def test_dashboard_numbers(engine, recorded):
    from console import queries

    with engine.connect() as conn:
        numbers = queries.stats(conn)
    assert numbers.crises >= 2 and numbers.emergencies >= 1
    assert numbers.helpful >= 1 and numbers.not_helpful >= 1
    assert numbers.fallbacks >= 1 and 0 < numbers.fallback_rate < 1
    assert sum(numbers.per_day) == numbers.conversations >= len(recorded.senders)


def test_training_inbox_correction_and_nlu_export(staff, recorded, engine):
    page = staff.get("/inbox").text
    assert recorded.fallback_text in page
    with engine.connect() as conn:
        event_id = (
            conn.execute(
                sa.select(db.messages.c.event_id)
                .where(db.messages.c.sender_id == recorded.fallback_sender)
                .where(db.messages.c.intent == "nlu_fallback")
            )
            .scalars()
            .first()
        )
    assert post(staff, "/inbox/correct", event_id=str(event_id), intent="not_an_intent").status_code == 400
    assert post(staff, "/inbox/correct", event_id=str(event_id), intent="out_of_scope").status_code == 302
    assert recorded.fallback_text not in staff.get("/inbox").text  # no longer to do
    assert recorded.fallback_text in staff.get("/inbox?show=done").text
    exported = staff.get("/inbox/export.yml")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    parsed = yaml.safe_load(exported.text)
    assert parsed["version"] == "3.1"
    block = next(b for b in parsed["nlu"] if b["intent"] == "out_of_scope")
    assert f"- {recorded.fallback_text}" in block["examples"]
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().reads(exported.text)
    assert recorded.fallback_text in [m.get("text") for m in data.intent_examples]


def test_inbox_refuses_messages_that_are_not_in_it(staff, recorded, engine):
    with engine.connect() as conn:
        confident = conn.execute(
            sa.select(db.messages.c.event_id).where(db.messages.c.sender_id == recorded.senders["advice"])
        ).scalar()
    assert post(staff, "/inbox/correct", event_id=str(confident), intent="greet").status_code == 404


def test_csv_export_for_a_filter(staff, recorded, engine):
    response = staff.get("/export", query_string={"format": "csv", "flag": "crisis"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["sender_id"] for r in rows} == {recorded.senders["crisis"], recorded.senders["crisis_browser"]}
    assert any(r["speaker"] == "user" and r["intent"] == "crisis" for r in rows)
    with engine.connect() as conn:
        log = conn.execute(sa.select(db.access_log).where(db.access_log.c.action == "export")).all()
    assert any('"flag": "crisis"' in (r.detail or "") for r in log)


def test_csv_export_keeps_formulas_as_text_and_pii_out(staff, recorded):
    text = staff.get("/export", query_string={"format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    formula = [r["text"] for r in rows if r["sender_id"] == recorded.senders["formula"] and r["speaker"] == "user"]
    assert formula and formula[0].startswith("'=HYPERLINK")
    assert "pat@example.org" not in text and "555-321-7654" not in text


def test_jsonl_export(staff, recorded):
    response = staff.get("/export", query_string={"format": "jsonl", "q": "addictive"})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["sender_id"] for line in lines] == [recorded.senders["thumbs_down"]]
    turns = lines[0]["turns"]
    assert turns[0]["text"] == "is ketamine addictive?" and turns[0]["intent"] == "ask_dependency"
    assert any(t["kind"] == "bot" for t in turns)
    assert "thumbs_down" in lines[0]["flags"]


def test_a_crisis_is_followed_up_assigned_then_closed_with_an_outcome(staff, recorded, engine):
    sender = recorded.senders["emergency"]
    urgent = lambda: staff.get("/dashboard").text.split('id="numbers-heading"')[0]  # noqa: E731
    assert sender in urgent() and "Nobody assigned" in urgent()
    # The list previews what the patient wrote that raised the alarm, with its wait.
    assert "my chest hurts" in urgent() and "Waiting" in urgent()
    assert post(staff, "/transcript/assign", id=sender, assignee=USER).status_code == 302
    assert f"With {USER}" in urgent()
    assert post(staff, "/transcript/assign", id=sender, assignee="not-a-user").status_code == 400
    assert post(staff, "/transcript/outcome", id=sender, outcome="made-up").status_code == 302
    assert sender in urgent(), "an unknown outcome closes nothing"
    post(staff, "/transcript/outcome", id=sender, outcome="reached", note="Spoke at 3 pm; <b>safe</b> with family")
    assert sender not in urgent()
    page = staff.get("/transcript", query_string={"id": sender}).text
    assert "Reached the patient" in page and "&lt;b&gt;safe&lt;/b&gt;" in page and "Reopen the follow-up" in page
    with engine.connect() as conn:
        actions = set(
            conn.execute(sa.select(db.access_log.c.action).where(db.access_log.c.sender_id == sender)).scalars()
        )
    assert {"assign", "follow_up"} <= actions
    post(staff, "/transcript/outcome", id=sender, outcome="reopen")
    post(staff, "/transcript/assign", id=sender, assignee="")
    assert sender in urgent() and "Nobody assigned" in urgent()


def test_the_follow_up_card_is_only_on_crisis_and_emergency_conversations(staff, recorded):
    assert "Record the outcome" in staff.get("/transcript", query_string={"id": recorded.senders["crisis"]}).text
    assert "Record the outcome" not in staff.get("/transcript", query_string={"id": recorded.senders["advice"]}).text


def test_waiting_time_reads_like_a_person_would_say_it():
    from console.followup import age

    assert [age(s) for s in (30, 300, 3600, 3 * 3600 + 1200, 3 * 86400)] == [
        "0 min",
        "5 min",
        "1 h",
        "3 h 20 min",
        "3 days",
    ]


def test_a_callback_request_is_listed_called_and_then_erased(staff, engine):
    from clinicbot import callbacks

    callbacks.save_name(engine, "callback-patient", "Quentinella")
    assert "Quentinella" not in staff.get("/callbacks").text  # no number yet: nothing to call
    callbacks.save_phone(engine, "callback-patient", "5550100177")
    assert "1 callback request waiting" in staff.get("/dashboard").text
    page = staff.get("/callbacks").text
    assert "Quentinella" in page and 'href="tel:5550100177"' in page
    [request] = callbacks.open_requests(engine)
    done = post(staff, "/callbacks/handled", id=str(request.id))
    assert done.status_code == 302
    page = staff.get("/callbacks").text
    assert "Quentinella" not in page and "No callback requests are waiting" in page
    post(staff, "/callbacks/handled", id=str(request.id))  # a second click, or a second nurse
    assert "already handled" in staff.get("/callbacks").text
    assert post(staff, "/callbacks/handled", id="not-a-number").status_code == 400
    with engine.connect() as conn:
        logged = list(
            conn.execute(
                sa.select(db.access_log.c.action, db.access_log.c.username).where(
                    db.access_log.c.sender_id == "callback-patient"
                )
            )
        )
        kept = conn.execute(sa.select(callbacks.requests).where(callbacks.requests.c.id == request.id)).one()
    assert ("callback_handled", USER) in [tuple(row) for row in logged]
    assert (kept.first_name, kept.phone, kept.handled_by) == (None, None, USER)
