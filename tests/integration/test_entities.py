"""Treatment names, however they are typed, become one of the two values."""

import pytest

CASES = [
    ("What are the side effects of Ketamine?", ["ketamine"]),
    ("KETAMINE SIDE EFFECTS", ["ketamine"]),
    ("how fast does ketamin work", ["ketamine"]),
    ("is IV ketamine addictive", ["ketamine"]),
    ("does Zoloft cause weight gain", ["antidepressant"]),
    ("i take sertaline and lexapro", ["antidepressant", "antidepressant"]),
    ("are SSRIs or SNRIs slower", ["antidepressant", "antidepressant"]),
    ("Antidepressants take weeks right", ["antidepressant"]),
    ("how is ketamine different from Prozac", ["ketamine", "antidepressant"]),
    ("what is depression", []),
]


@pytest.mark.parametrize("text,values", CASES)
async def test_treatment_values(agent, text, values):
    parsed = await agent.parse_message(text)
    found = [e["value"] for e in parsed["entities"] if e["entity"] == "treatment"]
    assert found == values
