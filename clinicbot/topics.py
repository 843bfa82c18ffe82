"""The topics the assistant recognises, in one place.

Shared by the response generator, the custom actions, the staff console and
the tests. Every topic is one intent, answered by utter_<intent without ask_>.

- FAQ_TOPICS: what the two source articles answer (paraphrased in domain.yml,
  traced in provenance.yml).
- CLINIC_TOPICS: what patients ask most and the articles don't answer. A
  clinic writes its own answer for each in clinic.yml (`answers:`); without
  one, the reply names the topic, says the articles don't cover it and gives
  the clinic's contact (clinicbot/nlg.py).
- Safety: the asker's own crisis or an emergency, and talk *about* suicide,
  which is informational (988 first, no crisis wording)."""

from clinicbot.safety import ABOUT_SUICIDE

# intent -> a short title a patient would recognise on a button
FAQ_TOPICS: dict[str, str] = {
    "ask_overview": "How ketamine differs from antidepressants",
    "ask_depression": "What depression is",
    "ask_mechanism": "How each treatment works in the brain",
    "ask_neuroplasticity": "Ketamine and new brain connections",
    "ask_onset": "How fast each treatment works",
    "ask_efficacy": "How well each treatment works",
    "ask_treatment_resistant": "When antidepressants haven't helped",
    "ask_administration": "How each treatment is given",
    "ask_dosing_frequency": "How often each treatment is taken",
    "ask_side_effects": "Side effects",
    "ask_dependency": "Dependency and misuse",
    "ask_safety": "Safety",
    "ask_research_status": "What the research says",
    "ask_conditions": "Conditions ketamine is used for",
    "ask_suicidal_thoughts": "Ketamine and suicidal thoughts",
    "ask_choosing": "Choosing a treatment",
    "ask_combination": "Combining treatments",
}

# intent -> title; the key of its answer in clinic.yml is the intent without ask_.
CLINIC_TOPICS: dict[str, str] = {
    "ask_session": "What a session is like",
    "ask_preparation": "Getting ready for a visit",
    "ask_after_session": "Driving and work after a session",
    "ask_cost": "Cost and insurance",
    "ask_booking": "Booking and who can be treated",
    "ask_esketamine": "Esketamine (Spravato) and at-home ketamine",
    "ask_relief_duration": "How long relief lasts",
    "ask_antidepressant_duration": "How long people take antidepressants",
    "ask_therapy": "Therapy alongside ketamine",
}


# Replies that answer no topic: an unanswerable question handled honestly
# lands on one of these (or on its own clinic topic).
HONEST_REPLIES = ("out_of_scope", "ask_personal_advice", "ask_clinic_info", "request_human", "nlu_fallback")


def response_for(intent: str) -> str | None:
    """utter_onset for ask_onset; None for anything that is not a topic."""
    if intent not in FAQ_TOPICS and intent not in CLINIC_TOPICS:
        return None
    return "utter_" + intent[len("ask_") :]


def clinic_answer_key(intent: str) -> str:
    """The key under `answers:` in clinic.yml: ask_cost -> cost."""
    return intent[len("ask_") :]


FAQ_RESPONSES = {response_for(intent): intent for intent in FAQ_TOPICS}
CLINIC_RESPONSES = {response_for(intent): intent for intent in CLINIC_TOPICS}

# Every topic a patient can ask about, for the staff console's charts and filters.
ALL_TOPICS: dict[str, str] = {**FAQ_TOPICS, **CLINIC_TOPICS, ABOUT_SUICIDE: "Questions about suicide"}
