"""`python -m bench.redaction [--strict]`: how much of what should go the redaction
removes, and how much of what should stay it keeps.

bench/redaction_cases.tsv holds messages written by us the way patients
write details (emails, phone numbers, dates, addresses, ZIP codes, record
numbers, names) and look-alikes that must survive (doses, blood pressure,
years, 988). Written and tuned against: a regression figure, not a blind one."""

import csv
import sys
from collections import defaultdict

from clinicbot.settings import PROJECT_ROOT
from clinicbot.stores.redaction import redact

CASES = PROJECT_ROOT / "bench" / "redaction_cases.tsv"


def cases() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def measure() -> tuple[dict[str, tuple[int, int]], tuple[int, int], list[str]]:
    """Per kind (removed, total) of secrets; (kept, total) of look-alikes; misses."""
    removed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    kept = [0, 0]
    misses = []
    for case in cases():
        clean = redact(case["message"])
        for secret in filter(None, case["secrets"].split("|")):
            removed[case["kind"]][1] += 1
            if secret in clean:
                misses.append(f"kept {case['kind']}: {case['message']!r} -> {clean!r}")
            else:
                removed[case["kind"]][0] += 1
        for word in filter(None, case["keep"].split("|")):
            kept[1] += 1
            if word in clean:
                kept[0] += 1
            else:
                misses.append(f"lost: {case['message']!r} -> {clean!r}")
    return {k: (v[0], v[1]) for k, v in removed.items()}, (kept[0], kept[1]), misses


def main(argv: list[str]) -> int:
    """Exit status 1 with --strict when anything was missed or lost."""
    per_kind, (kept, looked), misses = measure()
    total = sum(n for _, n in per_kind.values())
    caught = sum(r for r, _ in per_kind.values())
    print(f"Redaction on {CASES.relative_to(PROJECT_ROOT)} (written by us; a regression figure)")
    for kind, (r, n) in sorted(per_kind.items()):
        print(f"  {kind:8} {r}/{n} removed")
    print(f"  recall   {caught}/{total} = {caught / total:.1%}")
    print(f"  kept     {kept}/{looked} look-alikes intact = {kept / looked:.1%}")
    for line in misses:
        print("  ", line)
    return 1 if misses and "--strict" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
