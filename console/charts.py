"""Dashboard charts, drawn on the server as PNG (matplotlib's Agg backend:
no display, no JavaScript, nothing fetched by the browser from elsewhere)."""

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

from console.queries import Stats

INK = "#1f2933"
ACCENT = "#1d4ed8"
GOOD = "#15803d"
BAD = "#b91c1c"
MUTED = "#cbd2d9"


def _figure(width: float = 6.4, height: float = 3.0) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100)
    fig.patch.set_facecolor("white")
    return fig


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=INK, labelsize=9)
    ax.title.set_color(INK)


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.tight_layout()
    fig.savefig(out, format="png")
    return out.getvalue()


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", color=INK, fontsize=10, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def per_day(stats: Stats) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    _style(ax)
    labels = [day.strftime("%b %d") for day in stats.days]
    ax.bar(range(len(labels)), stats.per_day, color=ACCENT)
    step = max(len(labels) // 8, 1)
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels(labels[::step])
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("Conversations", color=INK, fontsize=9)
    ax.set_title("Conversations per day (last 30 days)", fontsize=11, loc="left")
    return _png(fig)


def top_topics(stats: Stats) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    _style(ax)
    ax.set_title("Top FAQ topics (last 30 days)", fontsize=11, loc="left")
    if not stats.top_topics:
        _empty(ax, "No FAQ questions yet")
        return _png(fig)
    names: list[str] = [name for name, _ in reversed(stats.top_topics)]
    counts: Sequence[int] = [n for _, n in reversed(stats.top_topics)]
    ax.barh(names, counts, color=ACCENT)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def _donut(title: str, values: Sequence[int], labels: Sequence[str], colors: Sequence[str], empty: str) -> bytes:
    fig = _figure(3.2, 3.0)
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=11, loc="left", color=INK)
    if not sum(values):
        _empty(ax, empty)
        ax.axis("off")
        return _png(fig)
    ax.pie(
        values,
        colors=colors,
        startangle=90,
        counterclock=False,
        wedgeprops={"width": 0.38},
        labels=[f"{label}: {n}" for label, n in zip(labels, values)],
        textprops={"color": INK, "fontsize": 9},
    )
    ax.set_aspect("equal")
    return _png(fig)


def fallback_rate(stats: Stats) -> bytes:
    understood = stats.messages - stats.fallbacks
    return _donut(
        f"Fallback rate {stats.fallback_rate:.0%}",
        [understood, stats.fallbacks],
        ["Understood", "Fallback"],
        [ACCENT, BAD],
        "No messages yet",
    )


def ratings(stats: Stats) -> bytes:
    return _donut(
        "Ratings: helpful or not",
        [stats.helpful, stats.not_helpful],
        ["Helpful", "Not helpful"],
        [GOOD, BAD],
        "No ratings yet",
    )


CHARTS = {"per-day": per_day, "topics": top_topics, "fallback": fallback_rate, "ratings": ratings}
