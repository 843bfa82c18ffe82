"""The FAQ topics: one intent each, answered by utter_<intent without ask_>.

Shared by the response generator, the custom actions, the staff console and
the tests, so the list lives in one place."""
from typing import Dict, Optional

# intent -> a short title a patient would recognise on a button
FAQ_TOPICS: Dict[str, str] = {
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

# Intents whose replies must come first and must never be second-guessed.
SAFETY_INTENTS = ("crisis", "medical_emergency")


def response_for(intent: str) -> Optional[str]:
    """utter_onset for ask_onset; None for anything that is not an FAQ topic."""
    if intent not in FAQ_TOPICS:
        return None
    return "utter_" + intent[len("ask_"):]


FAQ_RESPONSES = {response_for(intent): intent for intent in FAQ_TOPICS}
