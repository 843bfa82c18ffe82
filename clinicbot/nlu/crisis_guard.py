"""A deterministic safety net at the end of the NLU pipeline.

Three things look alike and need different replies: the asker's own crisis
(the crisis reply, every time), talk about suicide (warning signs, a friend,
a loss: the informational reply with 988 first, intent ask_about_suicide),
and everyday words ("this wait is killing me", fear of a bad trip: the
topic's answer). Rules here fire only on unambiguous first-person statements
("I want to end my life", "took too many pills", "can't breathe") and force
`crisis` or `medical_emergency` whatever the model predicted, keeping the
model's guess and its safety probabilities under `safety_override` for staff
review and the precision-recall curve. A state of mind said of someone else
("my son says he wants to die"), in quotation, in the past ("years ago"), as
a fear ("what if I don't wake up?") or as an idiom is left to the classifier,
which reads the whole sentence.

The classifier decides the rest: when it gives `crisis` and
`medical_emergency` together at least `model_threshold` of its probability,
the message is treated as the likelier of the two even if another intent
scored higher. The threshold is an operating point chosen on the
precision-recall curve of real messages (config.yml, `make evaluate`).

A crisis rule reads a few words; the classifier reads the sentence. When a
crisis rule fires on words a parent quotes, a screening scale asks or a
teacher reports ("my teen said 'I'm going to kill myself'", "why does the
PHQ-9 ask whether I'd be better off dead?"), and the classifier is sure it
is talk about suicide (`about_suicide_reading`) and gives a crisis less than
`model_threshold`, the talk-about-suicide reply stands: it puts 988 first
too. Emergency rules are never overruled.
"""

import re
from re import Pattern
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinicbot.nlu.idioms import everyday_meaning
from clinicbot.safety import (
    ABOUT_SUICIDE,
    CRISIS,
    EMERGENCY,
    EVERYDAY_SAYING,
    MODEL_PROBABILITY,
    NOTE_KEY,
    OVERRIDE_KEY,
    READS_AS_TALK_ABOUT_SUICIDE,
    SafetyOverride,
)

# Misspellings patients really type: sucidal, suicidle, suecide, suiside.
_SUICID = r"s[ue]{0,2}i?[cs]+i?d(?:e|es|al|le|ual|ally)?"
_SELF = r"(?:my\s*self|myself|meself)"
_WANT = r"(?:want|wanna|wish|need|going|gonna|plan(?:ning)?|ready|about|decided|tempted|thinking(?:\s+(?:about|of))?)"
# "I felt like I was going to die" is panic, not a wish: dying needs a wish.
_WANT_DIE = r"(?:wants?|wanna|wish|need|plan(?:ning)?|ready|decided|tempted)"

# "it's been a long fight", "done fighting"; not "a long fight with my insurance".
_FIGHT_OVER = (
    r"\b(?:(?:been|was)\s+a\s+long\s+(?:fight|battle)|done\s+fighting|tired\s+of\s+fighting|"
    r"ca\s*n[o']?t\s+fight\s+(?:this|it|anymore|any\s+more))\b(?!\s+(?:with|to|for|against|over|about|at)\b)"
)

_CRISIS_RULES: list[tuple[str, str]] = [
    ("suicidal", rf"\b{_SUICID}\b"),
    # ...not effort: "killing myself all week to get this done".
    (
        "kill_self",
        rf"\b(?:kill+|kil|murder|off)(?:ing)?\s+{_SELF}"
        r"(?!\s+(?:all\s+(?:day|week|night|month|year)|(?:just\s+)?to\s+(?:get|finish|make|meet|study|"
        r"learn|pass|keep)|"
        r"trying|working|over\s+(?:a|this|that|it)|at\s+(?:work|the\s+gym)|for\s+(?:this|that|work))\b)",
    ),
    ("kms", r"\bkms\b|\bunaliv\w*"),
    ("want_to_die", rf"\b{_WANT_DIE}\s+(?:to\s+)?(?:die|be\s+dead)\b"),
    (
        "wish_dead",
        r"\bwish\s+i\s+(?:was|were|could\s+be)\s+dead\b|\bwish\s+i\s+(?:was|were)\s*n[o']?t\s+(?:born|alive|here)\b",
    ),
    ("end_life", rf"\b{_WANT}\s+(?:to\s+)?end(?:ing)?\s+(?:it|it\s+all|my\s+(?:own\s+)?life|everything|things)\b"),
    (
        "end_it_all",
        r"\bend(?:ing)?\s+(?:it\s+all|my\s+(?:own\s+)?life)\b|\btake\s+my\s+(?:own\s+)?life\b|"
        r"\bfeel\s+like\s+ending\s+it\b",
    ),
    (
        "not_living",
        r"\b(?:do\s*n[o']?t|dont|do\s+not|no\s+longer)\s+(?:want\s+to|wanna)\s+(?:live|be\s+alive|"
        r"be\s+here|exist|wake\s+up|go\s+on)\b",
    ),
    (
        "never_wake",
        r"\b(?:never|not|do\s*n[o']?t|wo\s*n[o']?t)\s+wake\s+up\b|"
        r"\b(?:and|(?:think|dream|wish|hop)\w*\s+(?:of|about))\s+(?:just\s+)?(?:never|not)\s+waking\s+up\b|"
        r"\b(?:do\s*n[o']?t|ca\s*n[o']?t)\s+see\s+(?:a|any)\s+future\b|\bstop\s+existing\b|"
        r"\b(?:is\s*n[o']?t|not)\s+worth\s+living\b|\bdone\s+with\s+(?:living|life)\b",
    ),
    (
        "no_reason",
        r"\bno\s+(?:reason|point)\s+(?:for\s+me\s+)?(?:to|in)\s+(?:go\s+on\s+)?(?:live|living|going\s+on|"
        r"being\s+alive|carry(?:ing)?\s+on)\b",
    ),
    (
        "better_off",
        r"\bbetter\s+off\s+(?:dead|without\s+me|if\s+i\s+(?:was|were)\s+(?:dead|gone|n[o']?t\s+(?:here|"
        r"around|alive)))\b",
    ),
    (
        "cant_go_on",
        r"\b(?:ca\s*n[o']?t|cannot)\s+go\s+on\b(?!\s+(?:taking|using|paying|waiting|with\s+(?:this|these|"
        r"my)\s+(?:meds?|medication|pills|treatment)))",
    ),
    # ...not an accident: "hurt myself putting socks on".
    (
        "self_harm",
        rf"\bself[\s-]?harm|(?<!accidentally\s)\b(?:hurt|harm|cut|burn)(?:ing)?\s+{_SELF}\b"
        r"(?!\s+(?:putting|lifting|playing|running|falling|exercising|working\s+out|shaving|cooking|"
        r"by\s+accident|accidentally|at\s+(?:the\s+gym|work)|while|when\s+i\s+(?:fell|slipped|tripped)|"
        r"on\s+(?:a|the)))|\bcutting\s+(?:again|my\s+(?:arms?|wrists?|legs?))\b",
    ),
    (
        "method",
        r"\b(?:painless|easiest|quickest|best)\s+way\s+to\s+(?:die|end\s+it|kill(?:\s+(?:my\s*self|me|"
        r"oneself|yourself|urself|someone))?(?!\s+\w))\b|"
        r"\bjump(?:ing)?\s+off\s+(?:a|the|my)\s+(?:bridge|building|roof|balcony|cliff)\b|\bnoose\b|"
        r"\bplanning\s+my\s+(?:own\s+)?death\b",
    ),
    # A method said in the first person, as crisis-prevention material lists
    # them; not the idioms ("shot myself in the foot", "drowning myself in
    # work"), accidents or "I would never".
    (
        "method_self",
        rf"(?<!never\s)(?<!not\s)(?<!accidentally\s)\b(?:hang|hanged|hanging|shoot|shot|shooting|stab|stabbed|"
        rf"stabbing|drown|drowning|poison|poisoning|gas|gassing|electrocute|electrocuting)\s+{_SELF}\b"
        r"(?!\s+(?:in\s+the\s+(?:foot|feet|leg)|in\s+(?:work|coffee|chocolate|tea|wine|books|games|music|"
        r"tv|netflix|my\s+work|sorrow)|up\b|(?:a|an|some)\b|with\s+(?:coffee|caffeine|sugar|junk|fast\s+food|"
        r"energy\s+drinks)|with\s+(?:a|my|the)\s+(?:fork|knife\s+while|needle\s+by)))|"
        r"\bslit(?:ting)?\s+my\s+(?:wrists?|throat)\b|\bblow(?:ing)?\s+my\s+(?:brains?|head)\s+(?:out|off)\b|"
        r"\b(?:put|putting|hold|holding)\s+a\s+gun\s+(?:to|against)\s+my\s+(?:head|temple|mouth)\b|"
        r"\beat(?:ing)?\s+(?:a|my)\s+(?:bullet|gun)\b|"
        r"\b(?:jump|jumping|step|stepping|throw\s+myself|throwing\s+myself)\s+in\s+front\s+of\s+(?:a|the)\s+"
        r"(?:train|bus|truck|lorry|car)\b|"
        r"\b(?:drive|driving|drove|steer|steering|crash|crashing)\s+(?:my\s+car\s+)?(?:off\s+(?:a|the)\s+"
        r"(?:cliff|bridge)|into\s+(?:a|the)\s+(?:tree|wall|pole|river|oncoming\s+traffic))\s+on\s+purpose\b|"
        r"\b(?:drive|driving|steer|steering)\s+my\s+car\s+off\s+(?:a|the)\s+(?:cliff|bridge)\b|"
        r"\boverdos(?:e|ing)\s+on\s+purpose\b",
    ),
    (
        "planned_overdose",
        rf"\b{_WANT}\s+(?:to\s+)?(?:overdose|od\b|tak(?:e|ing)\s+(?:all|every)\s+(?:of\s+)?(?:my|the|his|"
        rf"her|their)\s+(?:pills|meds|tablets))|"
        rf"\b(?:pills|meds)\s+(?:saved|stockpiled|stashed)\b|"
        rf"\b(?:saving|stockpiling)\s+(?:up\s+)?(?:my\s+)?(?:pills|meds)\b",
    ),
    (
        "last_goodbye",
        r"\b(?:this|that)\s+is\s+(?:my\s+)?goodbye\b(?!\s+for\s+(?:now|today|tonight|the\s+(?:day|night|week)))|"
        r"\blast\s+thing\s+i'?(?:ll|\s+will)\s+ever\s+(?:write|say|send|post)\b|"
        r"\bmy\s+(?:last|final)\s+(?:message|goodbye|night)\b|\bsuicide\s+note\b|"
        r"\bgiving\s+away\s+(?:all\s+)?my\s+(?:stuff|things|belongings)\b",
    ),
    # Well-known warning signs said without crisis words: farewells, feeling
    # like a burden, and the means at hand.
    (
        "farewell",
        r"\b(?:wo\s*n[o']?t|will\s+not)\s+(?:be|still\s+be)\s+(?:around|here|alive)\s+(?:much\s+longer|"
        r"for\s+(?:much\s+)?long|anymore|soon|tomorrow|next\s+(?:week|month|year)|by\s+(?:then|"
        r"the\s+end\s+of)|in\s+a\s+(?:week|month))\b|"
        r"\bmade\s+(?:my\s+)?peace\b|\bsa(?:y|ying|id)\s+(?:my\s+)?goodbyes\b",
    ),
    # "about to do something permanent": the act named by what it cannot undo.
    (
        "permanent_act",
        r"\b(?:i'?m|i\s+am|im|i'?ll|i\s+will|i\s+might|gonna|going\s+to|about\s+to|planning\s+to|ready\s+to)\s+"
        r"(?:(?:about|going|gonna|planning|ready)\s+to\s+)?(?:do|make)\s+something\s+(?:permanent|final|"
        r"irreversible|i\s+can'?t\s+(?:take\s+back|undo))\b"
        r"(?!\s+(?:to|with|about|on|in)\s+(?:my|the|a|our)\s+(?:hair|skin|body\s+art|tattoo|house|home|room|car|"
        r"garden|kitchen|nails|eyebrows|look))",
    ),
    (
        "burden",
        r"\b(?:family|kids|everyone|everybody|they)\s+(?:would|will|'d)\s+be\s+better\s+off\b|"
        r"\b(?:nobody|no\s+one|anyone)\s+would\s+(?:even\s+)?(?:care|notice|miss\s+me)\b",
    ),
    (
        "means_at_hand",
        r"\b(?:sat|sit|sitting|sits)\s+in\s+(?:the|my|a)\s+(?:garage|car)\s+with\s+the\s+(?:car|engine|"
        r"motor)\s+running\b|"
        r"\b(?:staring\s+at|looking\s+at|counting|holding|sitting\s+(?:here\s+)?with)\s+(?:a|the|my|"
        r"all\s+(?:of\s+)?(?:my|the))\s+(?:rope|noose|gun|bottle\s+of\s+pills|pills|razor|blade)\b|"
        r"\b(?:bought|got)\s+(?:a|the)\s+(?:rope|noose|gun)\b|"
        r"\b(?:rope|noose|gun)\b[^.!?]{0,40}\b(?:staring|looking)\s+at\s+it\b",
    ),
    # Asking for a lethal amount: "how many 800 mg ibuprofens would it take".
    (
        "lethal_amount_question",
        r"\b(?:lethal|fatal|deadly)\s+(?:dose|amount)\b"
        r"|"
        r"\bhow\s+(?:many|much)\b[^.?!]{0,50}\b(?:to|will|would|could)\s+(?:kill|end)\s+(?:you|me|myself|"
        r"yourself|a\s+person|someone|a\s+human)\b|"
        r"\bhow\s+(?:many|much)\b[^.?!]{0,40}"
        r"\b(?:pills|tablets|capsules|mg|milligrams|ibuprofens?|tylenols?|advils?|aspirins?|paracetamol|"
        r"acetaminophen)\b"
        r"[^.?!]{0,20}\b(?:would|will|does|do)\s+it\s+take\b(?!\s+(?:before|until|for)\b|\s+to\s+(?!die|"
        r"kill|od\b|overdose|end))",
    ),
    # Plans, places, dates and searches.
    (
        "lethal_amount",
        r"\b(?:googl\w*|search\w*|look\w*\s+up|research\w*|work\w*\s+out|figur\w*\s+out|"
        r"calculat\w*)\s+how\s+(?:many|much)\s+(?:of\s+(?:my|the|these|those|his|her)\s+(?!sessions|"
        r"infusions|appointments|treatments|visits|weeks|days)\w+|(?:\w+\s+)?(?:pills|tablets|meds|"
        r"capsules))\b[^.!?]{0,30}\b(?:would|it'?d|to|will)\s+(?:take|kill|do\s+it|be\s+(?:fatal|lethal|"
        r"enough))\b",
    ),
    (
        "height",
        r"\b(?:standing|sitting|stood|sat|been|out)\s+(?:on|at|by|out\s+on)\s+(?:the|my|a)\s+(?:balcony|"
        r"ledge|window\s*sill|edge|roof)\b[^?]{0,80}\b\d+(?:st|nd|rd|th)\s+floor\b"
        r"|"
        r"\b(?:standing|sitting|stood|sat|climbed|leaning)\s+(?:on|over|onto|up\s+on)\s+(?:the|my|"
        r"a)\s+(?:balcony\s+|bridge\s+|roof\s+)?(?:railing|rail|guardrail|parapet)\b",
    ),
    (
        "plan",
        r"\b(?:picked|chose|set|have)\s+(?:a|the)\s+date\b|\bi\s+(?:have|made)\s+a\s+plan\b|"
        r"\bbeen\s+planning\s+it\b|\btonight(?:'?s|\s+is)?\s+the\s+night\b(?!\s+(?:of|for|before|when|we)\b)|"
        r"\b(?:googl\w*|search\w*|look\w*\s+up|research\w*)\s+(?:for\s+)?(?:painless\s+)?ways?\s+(?:out|"
        r"to\s+(?:die|go|end\s+it))\b|"
        r"\bpainless\s+ways?\b"
        # Rehearsing the act in one's head: "i keep picturing how i would do it".
        r"|"
        r"\b(?:picturing|imagining|visuali[sz]ing|rehearsing)\s+(?:exactly\s+)?how\s+i(?:'d|\s+would|"
        r"\s+could|\s+might|\s+will)\s+do\s+it\b(?!\s+(?:logistically|practically|financially|with|around|"
        r"after|before|during|while|if|on\s+(?:a|my)|at\s+(?:work|home)))",
    ),
    (
        "place",
        r"\b(?:jump\w*|standing\s+on|stood\s+on|look(?:ed|ing)?\s+(?:up|at)|drive\s+(?:off|over|into)|"
        r"walk\s+into)\b[^.!?]{0,40}\b(?:bridge|parking\s+garage|garage\s+roof|roof|rooftop|"
        r"train\s+tracks?|cliff|overpass|ledge)\b|"
        r"\bhow\s+high\s+the\s+[^.!?]{0,30}\b(?:bridge|garage|building|roof)\b",
    ),
    (
        "means_in_mind",
        r"\b(?:gun|rope|noose|razor|blade)\b[^.!?]{0,60}\b(?:ca\s*n[o']?t\s+stop\s+thinking|"
        r"keep\s+(?:going|looking|thinking)|thinking\s+about\s+(?:it|using))\b|"
        r"\b(?:pills|tablets|meds|bottle)\b[^.!?]{0,50}\bin\s+front\s+of\s+me\b",
    ),
    # Farewells and putting affairs in order.
    # A farewell beside "the fight is over": "just wanted to say bye before i
    # go. its been a long fight". Either alone is everyday talk.
    (
        "farewell_after_fight",
        rf"\b(?:bye|goodbye|farewell)\b[^?]{{0,80}}{_FIGHT_OVER}|"
        rf"{_FIGHT_OVER}[^?]{{0,60}}\b(?:bye|goodbye|farewell)\b",
    ),
    (
        "affairs_in_order",
        r"\btell\s+(?:dr\.?\s+\w+|my\s+(?:doctor|therapist|family|kids|mom|mum|dad))\s+(?:goodbye|i'?m\s+sorry)\b|"
        r"\b(?:the|my)\s+last\s+message\b|\bsorry\s+to\s+whoever\s+reads\s+this\b|"
        r"\bwo\s*n[o']?t\s+(?:be\s+)?need(?:ing)?\s+(?:them|it|these|those)\b|"
        r"\bif\s+i'?m\s+(?:gone|not\s+(?:around|here|alive))\b|\bclosing\s+up\s+shop\b|"
        r"\bgave\s+away\s+my\s+(?:cat|dog|pets?|things|stuff)\b|"
        r"\bwr(?:ote|ite|iting|itten)\s+(?:my\s+)?(?:will|goodbye\s+(?:letters?|notes?))\b",
    ),
    # Burden and hopelessness.
    # "Might as well…" after feeling dead or gone already: passive ideation.
    (
        "might_as_well",
        r"\bmight\s+as\s+well\s+(?:just\s+)?(?:die|be\s+dead|end\s+it(?:\s+all)?|not\s+exist|"
        r"disappear\s+for\s+good)\b|"
        r"\b(?:ghost|dead|gone|invisible|"
        r"nothing)\b[^.!?]{0,40}\bmight\s+as\s+well\s+(?:just\s+)?make\s+it\s+(?:official|permanent|"
        r"real)\b",
    ),
    # Thinking of dying all the time: passive ideation without crisis words.
    (
        "thoughts_of_dying",
        r"\b(?:i|i'm|im|i've|ive|been|keep)\s+(?:(?!not\b|never\b|do\s*n[o']?t\b|"
        r"dont\b)\w+\s+){0,2}(?:think(?:ing)?|thought|dream(?:ing)?|obsess(?:ing|ed)?)\s+(?:about|"
        r"of)\s+(?:dying|death|being\s+dead|my\s+(?:own\s+)?death|not\s+being\s+(?:here|alive|around))\b",
    ),
    # Not knowing how much longer one can keep going or last.
    (
        "cant_last",
        r"\b(?:do\s*n[o']?t|dont|idk|"
        r"not\s+sure)\s+(?:know\s+)?how\s+(?:much\s+)?long(?:er)?\s+i\s+can\s+(?:keep\s+going|go\s+on|"
        r"hold\s+on|keep\s+doing\s+this|do\s+this|take\s+(?:it|this|much\s+more))(?=\s*(?:[.!?,;]|$|"
        r"anymore|any\s+more|like\s+this|,))"
        r"|"
        r"\b(?:not\s+sure|do\s*n[o']?t\s+(?:think|know\s+if)|dont\s+(?:think|know\s+if)|doubt)\s+(?:i'?ll|"
        r"ill|i\s+will|i\s+can|i\s+could)\s+(?:last|hold\s+on|"
        r"make\s+it)\s+(?:much\s+)?longer\b(?!\s+(?:in|at|on|with|without)\b)"
        # "...the waitlist is 3 months and i don't think i can hold on that long".
        r"|"
        r"\b(?:not\s+sure|do\s*n[o']?t\s+think|dont\s+think|doubt)\s+(?:i\s+can|i\s+could|"
        r"i'?ll\s+be\s+able\s+to)\s+hold\s+on\s+(?:that|so|this)\s+long\b",
    ),
    # Spanish, the language US clinics most often hear besides English.
    (
        "spanish",
        r"\b(?:quiero|quisiera|voy\s+a|pienso\s+en|ganas\s+de)\s+(?:morir(?:me)?|matarme|suicidarme|"
        r"quitarme\s+la\s+vida)\b|"
        r"\bme\s+quiero\s+morir\b|\bno\s+quiero\s+(?:vivir|seguir\s+viviendo|estar\s+aqu[ií]|despertar)\b|"
        r"\bsuicidarme\b|\bhacerme\s+da[ñn]o\b|\bno\s+vale\s+la\s+pena\s+vivir\b",
    ),
    (
        "hopeless",
        r"\bi'?m\s+(?:a|such\s+a|just\s+a)\s+burden\b|"
        r"\bdeserve\s+(?:a\s+)?better\s+(?:mom|mother|dad|father|parent|wife|husband|partner)\s+than\s+(?:me|this)\b|"
        r"\b(?:never|not)\s+going\s+to\s+get\s+better\b|"
        r"\bdo\s*n[o']?t\s+(?:think\s+i\s+)?have\s+(?:days|long|much\s+time)\s+left\b|"
        r"\bdo\s*n[o']?t\s+think\s+i(?:'ll|\s+will)?\s+make\s+it\s+(?:to|through)\b|\bend\s+the\s+joke\b|"
        r"\bwhat'?s\s+the\s+point\s+of\s+(?:any\s+of\s+it|living|anything|going\s+on)\b|"
        r"\bno\s+more\s+(?:pills\s+)?no\s+more\b|\bstopped\s+(?:eating|my\s+meds)[^.!?]{0,20}\bon\s+purpose\b|"
        r"\bctb\b|\bsewerslide\b|\bi'?m\s+done\s+(?:trying|with\s+everything|with\s+it\s+all)\b|"
        r"\bdoes\s*n[o']?t\s+want\s+to\s+(?:live|be\s+alive)\b",
    ),
]

# "doesn't respond to meds", "not responding to my antidepressants at all".
NOT_TO_A_TREATMENT = (
    r"(?!\s+(?:well\s+|at\s+all\s+)?to\s+(?:\w+\s+){0,3}?(?:meds?|medications?|medicines?|"
    r"treatments?|antidepressants?|anti-depressants?|ssris?|snris?|pills?|drugs?|therapy|"
    r"ketamine|infusions?|anything|them|it)\b)"
)
# "have passed out during blood tests before", "fainted at my last blood
# draw": a history (often of needle fear), not someone unconscious now.
NOT_IN_THE_PAST = (
    r"(?![^.!?]{0,50}\b(?:before(?=\s*(?:[,.!?;]|$|(?:and|but|so|how|what|is|does|do|will|can)\b))|"
    r"in\s+the\s+past|years?\s+ago|as\s+a\s+(?:kid|child|teen)|at\s+my\s+last|last\s+time|"
    r"every\s+time|when(?:ever)?\s+i\s+(?:see|get|have|had))\b)"
)

_EMERGENCY_RULES: list[tuple[str, str]] = [
    (
        "chest_pain",
        r"\b(?:my\s+chest|chest\s+(?:is|feels))\s+(?:hurts?|hurting|is\s+hurting|tight|pain|heavy|pressure|crushing)|"
        r"\b(?:have|having|got|getting)\s+(?:a\s+)?(?:bad\s+|severe\s+|sharp\s+)?chest\s+pains?\b|"
        r"\bpain\s+in\s+my\s+chest\b",
    ),
    (
        "cant_breathe",
        r"\b(?:ca\s*n[o']?t|cannot|can\s+not|unable\s+to|struggling\s+to|hard\s+to)\s+breath(?:e|ing)?\b|"
        r"\b(?:is\s*n[o']?t|not|stopped)\s+breathing\b|\bthroat\s+is\s+(?:closing|swelling)\b",
    ),
    (
        "overdose_taken",
        r"\b(?:took|taken|swallowed|downed)\s+(?:way\s+)?(?:too\s+many|too\s+much|a\s+lot\s+of|"
        r"all\s+(?:of\s+)?(?:my|the|his|her|their)|the\s+whole|my\s+whole|an\s+entire|"
        r"a\s+(?:whole\s+)?bunch\s+of|a\s+handful\s+of)\b",
    ),
    # A count of pills taken at once: "swallowed about 15 of my trazodone".
    (
        "pills_counted",
        r"\b(?:took|taken|swallowed|downed)\s+(?:about\s+|around\s+|like\s+|maybe\s+|over\s+|at\s+least\s+)?"
        r"(?:[5-9]|[1-9]\d+|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|fifty)\s+"
        r"(?:of\s+(?:my|his|her|their|the|these|those)\s+(?!\d|sessions|infusions|appointments|treatments|"
        r"visits)\w+|pills|tablets|capsules)\b"
        # ...not a count spread over days: "five pills over the week", "six a day"
        r"(?![^.!?]{0,40}\b(?:(?:a|per|each|every)\s+(?:day|week|night)|over\s+(?:the\s+)?(?:past\s+|last\s+)?"
        r"(?:days?|weeks?|months?|years?)))",
    ),
    # More than the prescribed dose, told rather than asked about: "I took
    # an extra dose of Lexapro", "took 400mg, I'm prescribed 100mg".
    (
        "extra_dose",
        r"\b(?:took|taken|swallowed)\s+(?:an?\s+)?(?:extra|double|second)\s+(?:doses?|pills?|tablets?|capsules?|"
        r"zoloft|lexapro|prozac|paxil|celexa|effexor|wellbutrin|\w+(?:ine|pram|pam|lol|done))\b"
        r"|\btook\s+(?:twice|double|triple|\w+\s+times)\s+(?:my|the|what)\b"
        r"|\btook\s+\d+\s*mg\b[^?]{0,80}\bprescribed\b|\bprescribed\b[^.!?]{0,60}\btook\s+\d+\s*mg\b",
    ),
    (
        "overdosed",
        r"\b(?:i|he|she|they|i've|ive|just)\s+(?:have\s+|has\s+)?(?:overdosed|"
        r"od'?d)\b(?!\s+on\s+(?:coffee|caffeine|sugar|chocolate|netflix|tv))",
    ),
    # Someone else who won't wake up; "I won't wake up" is the writer's wish
    # (crisis). Not responding *to a medicine* is treatment resistance.
    (
        "unresponsive",
        r"(?<!\bi )(?<!\bi'll )\b(?:wo\s*n[o']?t|will\s+not|does\s*n[o']?t|is\s*n[o']?t|"
        r"not)\s+(?:wake\s+up|waking\s+up|responding|respond)\b"
        + NOT_TO_A_TREATMENT
        + r"|(?<!\bnearly\s)(?<!\balmost\s)\b(?:passed\s+out|fainted|unconscious|collapsed)\b"
        + NOT_IN_THE_PAST
        + r"|\b(?:about\s+to|going\s+to|gonna)\s+(?:pass\s+out|faint)\b|"
        r"\b(?:barely|ca\s*n[o']?t)\s+stay\s+(?:conscious|awake)\b",
    ),
    (
        "seizure",
        r"\b(?:having|had|is\s+having)\s+(?:a\s+)?(?:seizure|fit|convulsions?|heart\s+attack|stroke)\b|\bseizing\b",
    ),
    (
        "acute_signs",
        r"\bmy\s+heart\s+is\s+(?:racing|pounding)\b|\b(?:lips|face|skin)\s+(?:are|is)\s+(?:turning\s+)?blue\b|"
        r"\b(?:having|have)\s+an?\s+(?:bad\s+|severe\s+)?allergic\s+reaction\b|\bworst\s+headache\b",
    ),
    (
        "heart_or_stroke",
        r"\bchest\s+pains?\b[^.!?]{0,60}\b(?:arm|jaw)\b|\b(?:arm|jaw|face)\b[^.!?]{0,30}\b(?:numb|drooping)\b|"
        r"\bslurr\w*\s+(?:speech|words)\b",
    ),
    (
        "seizure_signs",
        r"\bfoaming\s+at\s+the\s+mouth\b|\bshaking\s+all\s+over\b|\b(?:jerking|convulsing)\b|"
        r"\bbit\s+(?:my|his|her|their)\s+tongue\b",
    ),
    ("bleeding", r"\bwo\s*n[o']?t\s+stop\s+bleeding\b|\bblood\s+everywhere\b|\bcut\s+(?:her|his|my|their)\s+wrists?\b"),
    (
        "spanish_emergency",
        r"\bno\s+(?:puedo|puede)\s+respirar\b|"
        r"\b(?:tom[eé]|se\s+tom[oó])\s+(?:demasiadas|todas\s+(?:las|mis|sus))\s+(?:pastillas|p[ií]ldoras|"
        r"medicinas)\b|"
        r"\bno\s+(?:responde|despierta)\b",
    ),
    (
        "poisoning",
        r"\b(?:drank|drunk|swallowed|ate|has\s+eaten|chugged)\s+(?:a\s+|an\s+|some\s+|"
        r"the\s+)?(?:of\s+the\s+)?(?:bleach|antifreeze|detergent|drain\s+cleaner|rat\s+poison|poison|"
        r"weed\s+killer|laundry\s+pods?|tide\s+pods?|lighter\s+fluid)\b",
    ),
    ("blood_loss", r"\b(?:vomiting|throwing\s+up|coughing\s+up|puking)\s+(?:up\s+)?blood\b"),
    ("toxic_reaction", r"\b(?:high\s+)?fever\b[^.!?]{0,60}\b(?:stiff|rigid|confused)\b"),
]

# A crisis word inside a question about the topic is information, not a crisis:
# "does ketamine reduce suicidal thoughts?", "suicide risk with SSRIs",
# "can ketamine help with thoughts of self harm" - unless the writer puts
# themselves right next to it ("my suicidal thoughts", "I feel suicidal").
_TOPIC_USE = re.compile(
    rf"\b(?:{_SUICID}|self[\s-]?harm(?:ing)?)\s+(?:thoughts?|thinking|ideation|ideas|feelings?|risk|"
    rf"rates?|behaviou?rs?|patients?|people|prevention|depression|tendencies|urges|hotlines?|lifeline|"
    rf"awareness|statistics|survivors?)\b"
    rf"|\b(?:risk|rates?|thoughts?|history)\s+of\s+(?:{_SUICID}|self[\s-]?harm)\b"
    rf"|\b(?:attempted|attempting)\s+{_SUICID}\b|\bpeople\s+who\s+(?:want\s+to\s+die|are\s+{_SUICID})\b"
)
_TOPIC_RULES = ("suicidal", "self_harm", "want_to_die")
_FIRST_PERSON_NEAR = re.compile(r"\b(?:i|i'm|im|i've|ive|me|my|myself|feel|feeling|having)\b(?:\s+\S+)?\s*$")
# "not", "never", "n't" shortly before a phrase turns "I'm not suicidal" into a
# statement the model should handle; "I don't want to live" is its own rule.
_NEGATION_BEFORE = re.compile(r"(?:\bnot|\bnever|n't|\bdont|\bwont|\bno\s+way|\bwould\s*n[o']?t)(?:\s+\w+){0,3}\s*$")
# "My phone is about to die" is about the phone.
_THING_BEFORE = re.compile(
    r"\b(?:phone|battery|laptop|computer|car|plants?|flowers?|tablet|ipad|tv|fish|goldfish|headphones|"
    r"charger)\b(?:\s+\S+){0,3}\s*$"
)
# "I was suicidal years ago, I'm well now" is history; unless it is back.
_LONG_AGO_AFTER = re.compile(
    r"^[^.!?;]{0,40}?\b(?:years?\s+ago|(?:in|back\s+in|since)\s+(?:\w+\s+)?(?:of\s+)?(?:19|20)\d{2}\b|"
    r"back\s+in\s+(?:\d{4}|high\s+school|college)|in\s+the\s+past|as\s+a\s+(?:teen|teenager|kid))\b"
)
_LONG_AGO_BEFORE = re.compile(
    r"\b(?:years?\s+ago|back\s+in\s+\d{4}|\d+\s+years\s+(?:ago|into|since|later))\b[^.!?;]{0,40}$"
)
_BACK_AGAIN = re.compile(
    r"\b(?:again|still\s+(?:feel|have|get|think|want|struggl)\w*|lately|these\s+days|coming\s+back|"
    r"came\s+back|is\s+back|are\s+back|returning|right\s+now|tonight|today)\b"
)
# "what happens if someone took too many?" asks; it does not report.
_HYPOTHETICAL_BEFORE = re.compile(r"\bif\b|^\s*(?:can|could|does|do|is|are|would|will|should|what\s+happens)\b")


# "I'm not suicidal, just asking…", "yes I'm safe": a patient telling us they
# are safe. It stops only the probability rule (a classifier's lean is not
# evidence against the patient's own words); explicit crisis language and the
# model's own top guess still count. "…but", "for now", "I guess" after it,
# or "not sure", "if" before it, undo the reassurance.
_REASSURANCE = re.compile(
    rf"\b(?:i'?m|im|i\s+am)\s+not\s+(?:{_SUICID}|in\s+(?:crisis|danger))\b"
    r"|"
    r"\b(?:not|never)\s+(?:going\s+to|gonna|planning\s+to|thinking\s+(?:about|of))\s+(?:hurt(?:ing)?|"
    r"harm(?:ing)?|kill(?:ing)?)\s+(?:my\s*self|myself)\b"
    r"|\b(?:would|will)\s*(?:n[o']?t|never)\s+(?:ever\s+)?(?:hurt|harm|kill)\s+(?:my\s*self|myself)\b"
    r"|\b(?:yes|yeah|yep|no|nope)?,?\s*(?:i'?m|im|i\s+am)\s+(?:totally\s+|perfectly\s+|completely\s+)?safe\b"
)
_REASSURANCE_UNDONE = re.compile(r"\b(?:but|though|although|except|for\s+now|i\s+guess|i\s+think|yet|anymore)\b")
_DOUBT_BEFORE = re.compile(
    r"\b(?:not\s+sure|do\s*n[o']?t\s+(?:know|think|feel)|dont\s+(?:know|think|feel)|if|whether|wish|"
    r"hope)\b[^.!?]{0,15}$"
)


def _is_reassured(text: str) -> bool:
    match = _REASSURANCE.search(text)
    return (
        match is not None
        and not _REASSURANCE_UNDONE.search(text[match.end() :])
        and not _DOUBT_BEFORE.search(text[: match.start()])
    )


def _compile(rules: list[tuple[str, str]]) -> list[tuple[str, Pattern[str]]]:
    return [(name, re.compile(pattern)) for name, pattern in rules]


CRISIS_PATTERNS = _compile(_CRISIS_RULES)
EMERGENCY_PATTERNS = _compile(_EMERGENCY_RULES)


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"(\w)\1{2,}", r"\1\1", text)  # "diiiie" -> "diie"
    return re.sub(r"\s+", " ", text)


def _clause_start(text: str, start: int) -> int:
    return max(text.rfind(mark, 0, start) for mark in ".!?;,") + 1


def _is_negated(text: str, start: int) -> bool:
    return bool(_NEGATION_BEFORE.search(text[_clause_start(text, start) : start]))


def _is_topic_use(text: str, start: int) -> bool:
    """True for "does ketamine reduce suicidal thoughts", not "my suicidal thoughts"."""
    before = text[_clause_start(text, start) : start]
    return bool(_TOPIC_USE.search(text, _clause_start(text, start))) and not _FIRST_PERSON_NEAR.search(before)


def _is_history(text: str, start: int, end: int) -> bool:
    """True for "I was suicidal years ago, doing well now", not when it is back."""
    long_ago = _LONG_AGO_AFTER.search(text[end:]) or _LONG_AGO_BEFORE.search(text[:start])
    return bool(long_ago) and not _BACK_AGAIN.search(text)


# Whose state a sentence describes: the nearest subject before the words.
# "my friend is suicidal" and "how do I ask if they are thinking about
# suicide" are talk about suicide (the model decides, usually
# ask_about_suicide); "I'm suicidal" and "my suicidal thoughts" are the
# asker's own.
_SUBJECT = re.compile(
    r"\b(?P<first>i|i'm|im|i've|ive|i'd|me|my|myself)\b"
    r"|\b(?P<other>he|she|they|them|his|her|hers|their|someone|somebody|anyone|everyone|people|person|you|your|"
    r"friends?|son|daughter|kids?|child(?:ren)?|teens?|teenagers?|brother|sister|mom|mum|mother|dad|father|"
    r"husband|wife|partner|boyfriend|girlfriend|patients?|students?|coworkers?|colleagues?|relatives?|cousin|"
    r"uncle|aunt|grand\w+|niece|nephew|roommate|neighbou?r|veterans?|loved\s+ones?)\b"
)
# Rules that name a state of mind: they hold only for the asker's own.
_OWN_STATE_RULES = (
    "suicidal",
    "want_to_die",
    "wish_dead",
    "not_living",
    "self_harm",
    "end_life",
    "thoughts_of_dying",
    "cant_go_on",
    "hopeless",
    "never_wake",
    "no_reason",
)


# "my son keeps saying "I want to die"": quoted words are the speaker's, not the asker's.
_QUOTES = '"\u201c\u201d'
# The word "suicidal/suicide" is the asker's state only beside a state verb:
# "I'm suicidal", "feeling suicidal", "my suicidal thoughts", "I keep thinking
# about suicide"; not "what if I see suicidal posts", "how do I talk about suicide".
_OWN_SUICIDAL_BEFORE = re.compile(
    r"\b(?:i'?m|im|am|feel|feeling|felt|been|get|getting|was|become|becoming|have|having|had|my|"
    r"think|thinking|thought|considering|contemplating|planning|plan|commit|committing|attempt|"
    r"attempting|suicidal|so|very|really|always)\b(?:\s+\S+){0,1}\s*$"
    r"|\b(?:think|thinking|thought)\s+(?:about|of)\s+(?:\S+\s+)?$"
)
_HISTORY_RULES = ("suicidal", "end_it_all", "kill_self", "self_harm", "want_to_die", "end_life", "wish_dead")


def _subject_before(text: str, start: int) -> str | None:
    """'first', 'other' or None: the nearest subject in the sentence before `start`."""
    sentence_start = max(text.rfind(mark, 0, start) for mark in ".!?") + 1
    quote_marks = [i for i in range(sentence_start, start) if text[i] in _QUOTES]
    if len(quote_marks) % 2 == 1:  # inside a quotation: whose words are they?
        start = quote_marks[-1]
        sentence_start = max(text.rfind(mark, 0, start) for mark in ".!?") + 1
    sentence = text[sentence_start:start]
    found = None
    for match in _SUBJECT.finditer(sentence):
        found = "first" if match.group("first") else "other"
    return found


def _is_someone_elses(text: str, name: str, start: int, end: int) -> bool:
    """True when a state-of-mind rule describes someone other than the asker.
    The word "suicidal/suicide" itself also needs the asker as subject (or a
    message of only a few words): alone it is as often a question about it."""
    if name not in _OWN_STATE_RULES:
        return False
    subject = _subject_before(text, start)
    if subject == "other":
        return True
    if name == "suicidal":
        if len(text.split()) <= 3 and text[start:end].startswith("suicidal"):
            return False
        return not _OWN_SUICIDAL_BEFORE.search(text[:start])
    return False


# "What if I don't wake up?" before a first infusion is a fear, left to the model.
_WHAT_IF_BEFORE = re.compile(r"\bwhat\s+if\b[^.!?]{0,20}$")


def _crisis_match(text: str) -> str | None:
    for name, pattern in CRISIS_PATTERNS:
        for match in pattern.finditer(text):
            if _is_negated(text, match.start()):
                continue
            if name in _TOPIC_RULES and _is_topic_use(text, match.start()):
                continue
            if _is_someone_elses(text, name, match.start(), match.end()):
                continue
            if name == "never_wake" and _WHAT_IF_BEFORE.search(text[: match.start()]):
                continue
            if name == "want_to_die" and _THING_BEFORE.search(text[_clause_start(text, match.start()) : match.start()]):
                continue
            if name in _HISTORY_RULES and _is_history(text, match.start(), match.end()):
                continue
            return name
    return None


def _emergency_match(text: str) -> str | None:
    for name, pattern in EMERGENCY_PATTERNS:
        for match in pattern.finditer(text):
            before = text[_clause_start(text, match.start()) : match.start()]
            if _is_negated(text, match.start()) or _HYPOTHETICAL_BEFORE.search(before):
                continue
            return name
    return None


def detect(text: str | None) -> tuple[str, str] | None:
    """(intent, rule) when the text holds explicit crisis or emergency language.

    An emergency wins over a crisis: someone who has already taken the pills
    needs 911 before anything else (the crisis reply lists 911 too)."""
    if not text:
        return None
    clean = normalise(text)
    rule = _emergency_match(clean)
    if rule:
        return EMERGENCY, rule
    rule = _crisis_match(clean)
    if rule:
        return CRISIS, rule
    return None


# A message with an everyday saying in it (clinicbot/nlu/idioms.py: "this wait is
# killing me") is a crisis by probability only when the rest of the sentence
# leans that way on its own, more than an even chance; explicit crisis words
# are caught by the rules above whatever else is said.
SAYING_THRESHOLD = 0.5


def _has_everyday_saying(text: str | None) -> bool:
    if not text:
        return False
    return everyday_meaning(text) != text.replace("\u2019", "'")


# Fragments such as "ok and" or "the one" spread the model's probability thinly
# over every intent, the two safety intents included; they are left to the
# model and the fallback (explicit crisis words in them are still caught).
MODEL_RULE_MIN_WORDS = 3


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisGuard(GraphComponent):
    """Forces `crisis` / `medical_emergency` on explicit language, or when the
    model gives them together at least `model_threshold` of its probability."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # about_suicide_reading None: a crisis rule always stands;
        # question_threshold None: a question is read like any message.
        return {"model_threshold": 0.15, "about_suicide_reading": None, "question_threshold": None}

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        settings = {**self.get_default_config(), **(config or {})}
        self.model_threshold = settings["model_threshold"]
        self.about_suicide_reading = settings["about_suicide_reading"]
        self.question_threshold = settings.get("question_threshold")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisGuard":
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = detect(message.get(TEXT))
            if found and self._reads_as_talk_about_suicide(message, found):
                continue
            found = found or self._likely_safety(message)
            if found:
                self._force(message, *found)
            elif _has_everyday_saying(message.get(TEXT)):
                self._calm(message)
        return messages

    def _reads_as_talk_about_suicide(self, message: Message, found: tuple[str, str]) -> bool:
        """A crisis rule's words, in a sentence the classifier is sure is talk
        about suicide and not the asker's crisis: its reply (988 first) stands,
        with a note for staff of the rule that fired."""
        if found[0] != CRISIS or self.about_suicide_reading is None or self.model_threshold is None:
            return False
        scores = {r.get("name"): r.get("confidence") or 0.0 for r in message.get(INTENT_RANKING_KEY) or []}
        if scores.get(ABOUT_SUICIDE, 0.0) < self.about_suicide_reading:
            return False
        if scores.get(CRISIS, 0.0) + scores.get(EMERGENCY, 0.0) >= self.model_threshold:
            return False
        message.set(INTENT, {"name": ABOUT_SUICIDE, "confidence": scores[ABOUT_SUICIDE]}, add_to_output=True)
        note = SafetyOverride(f"{READS_AS_TALK_ABOUT_SUICIDE}:{found[1]}", ABOUT_SUICIDE, scores[ABOUT_SUICIDE])
        message.set(NOTE_KEY, note.as_dict(), add_to_output=True)
        return True

    @staticmethod
    def _calm(message: Message) -> None:
        """An everyday saying ("I'd die for a nap") and no strong lean to a
        crisis in the rest of the sentence: the classifier's top pick of crisis
        or emergency is the saying speaking, so the next topic answers."""
        ranking = message.get(INTENT_RANKING_KEY) or []
        predicted = message.get(INTENT) or {}
        scores = {r.get("name"): r.get("confidence") or 0.0 for r in ranking}
        if (
            predicted.get("name") not in (CRISIS, EMERGENCY)
            or sum(scores.get(n, 0.0) for n in (CRISIS, EMERGENCY)) >= SAYING_THRESHOLD
        ):
            return
        calm = [r for r in ranking if r.get("name") not in (CRISIS, EMERGENCY, "nlu_fallback")]
        if not calm:
            return
        message.set(INTENT, dict(calm[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, calm + [r for r in ranking if r not in calm], add_to_output=True)
        note = SafetyOverride(EVERYDAY_SAYING, predicted.get("name"), predicted.get("confidence"))
        message.set(NOTE_KEY, note.as_dict(), add_to_output=True)

    def _likely_safety(self, message: Message) -> tuple[str, str] | None:
        """The safety intent the model's ranking points to, when crisis and
        emergency together reach the threshold (the ranking keeps the real
        scores even after a fallback)."""
        text = message.get(TEXT) or ""
        if self.model_threshold is None or len(text.split()) < MODEL_RULE_MIN_WORDS:
            return None
        if _is_reassured(normalise(text)):
            return None
        scores = {r.get("name"): r.get("confidence") or 0.0 for r in message.get(INTENT_RANKING_KEY) or []}
        crisis, emergency = scores.get(CRISIS, 0.0), scores.get(EMERGENCY, 0.0)
        threshold = SAYING_THRESHOLD if _has_everyday_saying(text) else self.model_threshold
        if self.question_threshold is not None and text.strip().endswith("?"):
            # A message that ends by asking something ("can you die from
            # ket?") leans weakly to crisis far more often when harmless than
            # when it is a crisis; crisis words in it are still caught by rule.
            threshold = max(threshold, self.question_threshold)
        if crisis + emergency < threshold:
            return None
        return (CRISIS if crisis >= emergency else EMERGENCY), MODEL_PROBABILITY

    @staticmethod
    def _force(message: Message, intent: str, rule: str) -> None:
        predicted = message.get(INTENT) or {}
        if predicted.get("name") == intent:
            return
        scores = {r.get("name"): r.get("confidence") or 0.0 for r in message.get(INTENT_RANKING_KEY) or []}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
        message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}] + ranking, add_to_output=True)
        # The classifier's own safety probabilities are kept for the precision-recall curve.
        override = SafetyOverride(
            rule,
            predicted.get("name"),
            predicted.get("confidence"),
            {name: score for name, score in scores.items() if name in (CRISIS, EMERGENCY)},
        )
        message.set(OVERRIDE_KEY, override.as_dict(), add_to_output=True)
