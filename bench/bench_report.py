"""BENCHMARK.md and its plots, from the figures bench.bench collected."""

import math
from pathlib import Path

from bench.report import num, provenance, table, verdict

TARGETS = {"ratio": 2.0, "single_p50": 20.0, "realistic_p95": 100.0, "training": 120.0, "startup": 20.0}


def saturation(subject) -> float:
    """Messages per second at saturation: the best of the capacity phases."""
    rates = [s.rps for key, s in subject.stats.items() if key.startswith("capacity")]
    return max(rates) if rates else float("nan")


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else float("nan")


def plots(subjects, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    fig, (latency, throughput) = plt.subplots(1, 2, figsize=(10, 4))
    for s in subjects:
        keys = sorted((k for k in s.stats if k.startswith("capacity")), key=lambda k: int(k.split("-")[1]))
        users = [int(k.split("-")[1]) for k in keys]
        (line,) = latency.plot(users, [s.stats[k].p95 for k in keys], marker="o", label=f"{s.label} p95")
        latency.plot(
            users,
            [s.stats[k].p50 for k in keys],
            marker=".",
            linestyle="--",
            color=line.get_color(),
            label=f"{s.label} p50",
        )
        throughput.plot(users, [s.stats[k].rps for k in keys], marker="o", label=s.label)
    latency.set(
        xlabel="patients sending without pause", ylabel="latency (ms)", yscale="log", title="Latency against load"
    )
    throughput.set(xlabel="patients sending without pause", ylabel="messages per second", title="Throughput")
    for axis in (latency, throughput):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "bench-capacity.png", dpi=110)
    names.append("bench-capacity.png")
    plt.close(fig)

    realistic = [(s, k) for s in subjects for k in s.stats if k.startswith("realistic")]
    if realistic:
        fig, axis = plt.subplots(figsize=(6, 4))
        labels = [f"{s.trained.name}\n{k.split('-')[1]} patients" for s, k in realistic]
        axis.bar(labels, [s.stats[k].p95 for s, k in realistic], color="#6b8ed6")
        axis.axhline(TARGETS["realistic_p95"], color="red", linestyle="--", label="target p95")
        axis.set(ylabel="p95 latency (ms)", title="Realistic patients (think time)")
        axis.legend()
        fig.tight_layout()
        fig.savefig(out / "bench-realistic.png", dpi=110)
        names.append("bench-realistic.png")
        plt.close(fig)
    return names


def render(subjects, phases, action_rss: float, profile, out: Path, smoke: bool = False) -> str:
    ours = subjects[0]
    default = next((s for s in subjects if s.trained.name == "rasa_default"), None)
    floor = next((s for s in subjects if s.trained.name == "floor"), None)
    single = next((ours.stats[p.key] for p in phases if p.shape == "single"), None)
    realistic = [ours.stats[p.key] for p in phases if p.shape == "realistic"]
    worst = max(realistic, key=lambda s: s.p95) if realistic else None
    biggest = max((p for p in phases if p.shape == "realistic"), key=lambda p: p.users, default=None)
    tp_ratio = ratio(saturation(ours), saturation(default)) if default else float("nan")

    targets = [
        [
            "Saturation throughput vs Rasa default on our data",
            f"≥ {TARGETS['ratio']:.0f}×",
            num(tp_ratio, 2, "×"),
            verdict(tp_ratio >= TARGETS["ratio"]) if default else "not measured",
        ],
        [
            "Single patient p50",
            f"≤ {TARGETS['single_p50']:.0f} ms",
            num(single.p50 if single else None, 0, " ms"),
            verdict(single is not None and single.p50 <= TARGETS["single_p50"]),
        ],
        [
            f"Realistic load p95 ({biggest.users if biggest else '–'} patients), errors",
            f"≤ {TARGETS['realistic_p95']:.0f} ms, 0",
            f"{num(worst.p95 if worst else None, 0, ' ms')}, {worst.failures if worst else '–'}",
            verdict(worst is not None and worst.p95 <= TARGETS["realistic_p95"] and worst.failures == 0),
        ],
        [
            "Training time (`rasa train`)",
            f"≤ {TARGETS['training']:.0f} s",
            num(ours.trained.seconds, 0, " s"),
            verdict(ours.trained.seconds <= TARGETS["training"])
            if not math.isnan(ours.trained.seconds)
            else "not measured",
        ],
        [
            "Start-up (process start to first answer)",
            f"≤ {TARGETS['startup']:.0f} s",
            num(ours.startup, 1, " s"),
            verdict(ours.startup <= TARGETS["startup"]),
        ],
    ]

    headers = ["", *[s.label for s in subjects]]
    if default:
        headers.append("ours ÷ default")
    if floor:
        headers.append("ours ÷ floor")

    def row(label, values, digits=0, unit=""):
        cells = [num(v, digits, unit) for v in values]
        if default:
            cells.append(num(ratio(values[0], values[subjects.index(default)]), 2, "×"))
        if floor:
            cells.append(num(ratio(values[0], values[subjects.index(floor)]), 2, "×"))
        return [label, *cells]

    rows = []
    for phase in phases:
        stats = [s.stats.get(phase.key) for s in subjects]

        def get(attr, stats=stats):
            return [getattr(st, attr) if st else float("nan") for st in stats]

        name = f"{phase.shape} {phase.users}"
        if phase.shape == "single":
            rows.append(row("single patient p50", get("p50"), 0, " ms"))
        elif phase.shape == "capacity":
            rows += [
                row(f"{name}: p50", get("p50"), 0, " ms"),
                row(f"{name}: p95", get("p95"), 0, " ms"),
                row(f"{name}: p99", get("p99"), 0, " ms"),
                row(f"{name}: msg/s", get("rps"), 1),
            ]
        else:
            rows += [row(f"{name}: p95", get("p95"), 0, " ms"), row(f"{name}: msg/s", get("rps"), 1)]
        rows.append(
            [
                f"{name}: errors / messages",
                *[f"{st.failures} / {st.requests:,}" if st else "–" for st in stats],
                *[""] * (len(headers) - len(subjects) - 1),
            ]
        )
    rows += [
        row("saturation throughput (msg/s)", [saturation(s) for s in subjects], 1),
        row("training time", [s.trained.seconds for s in subjects], 0, " s"),
        row("model size", [s.trained.megabytes for s in subjects], 1, " MB"),
        row("start-up to first answer", [s.startup for s in subjects], 1, " s"),
        row("peak memory (RSS), Rasa server", [s.peak_rss_mb for s in subjects], 0, " MB"),
    ]
    images = plots(subjects, out)
    think = next((p.think for p in phases if p.shape == "realistic"), None)
    lines = [
        "# Does the assistant stay fast under load?",
        "",
        provenance(),
        "Load generator: Locust (headless, .venv-bench) on the same 2 CPUs as the servers, so it takes a share of "
        "them; figures are noisy, the ratios measured side by side in one run are what to compare over time."
        + (" **Smoke run (2 users, 5 s): not a measurement.**" if smoke else ""),
        "",
        "Setup as `make run`: `rasa run` with our REST channel, endpoints.yml (SQL tracker store on a fresh SQLite "
        "file, clinic NLG) and one shared action server; every model warmed up with 10 conversations first. "
        "Each simulated patient, under a new sender id, holds a multi-turn conversation from tests/stories or "
        "asks three questions in a row, drawn from the one-question test stories and every held-out "
        "patient question in tests/nlu (long, misspelt, as patients write)"
        + (f" (realistic: {think[0]:g}–{think[1]:g} s between messages)." if think else "."),
        "",
        "## Targets",
        "",
        table(["Target", "Goal", "Ours", "Status"], targets),
        "",
        "## Side by side",
        "",
        table(headers, rows),
        "",
        f"Action server peak memory (RSS): {num(action_rss, 0, ' MB')}. "
        "Training times marked as measured when the model was trained (cached models keep theirs): "
        + ", ".join(f"{s.trained.name} {s.trained.trained_at}" for s in subjects)
        + ".",
        "",
        "## Plots",
        "",
        *[f"![{name}]({name})" for name in images],
        "",
    ]
    if profile:
        lines += [
            "## Where the time goes (ours, 10 patients without pause)",
            "",
            f"py-spy at 100 Hz: {profile.samples:,} busy samples of the Rasa server, shares below are of these "
            f"({profile.idle:,} more found the event loop waiting; raw stacks: {profile.raw.relative_to(out)}).",
            "",
            table(["Stage", "Share of CPU samples"], [[k, f"{v:.0%}"] for k, v in profile.stages]),
            "",
            table(["Function (inclusive)", "Share"], [[f"`{k}`", f"{v:.0%}"] for k, v in profile.functions]),
            "",
        ]
    lines += [
        "## Reproduce",
        "",
        "```",
        "make bench      # python -m bench.bench --profile 20",
        "```",
        "Locust's CSVs and logs per model and phase are in results/bench/.",
        "",
    ]
    return "\n".join(lines)
