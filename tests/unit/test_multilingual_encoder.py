"""The multilingual encoder (clinicbot/nlu/multilingual_encoder.py): loads from
the installed wheel, and places a Spanish question near its English twin."""

import numpy as np

from clinicbot.nlu.multilingual_encoder import shared_encoder


def test_a_spanish_question_lands_near_its_english_twin_and_far_from_another_topic():
    encoder = shared_encoder()
    english, spanish, other = encoder.encode_all(
        ["Is ketamine addictive?", "¿La ketamina es adictiva?", "What time does the clinic open?"]
    )
    assert english.shape == spanish.shape and np.isfinite(english).all()
    assert float(english @ spanish) > float(english @ other) + 0.1
