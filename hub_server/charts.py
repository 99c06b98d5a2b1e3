"""Server-side SVG charts for the hub's pages: readable without JavaScript, images or fonts.

Example:
    >>> from skillgym.envs.core.protocol import LeaderboardEntry, PolicyRef, RunScore
    >>> score = RunScore(episodes=4, mean=0.5, ci_low=0.2, ci_high=0.8, success_rate=0.5,
    ...                  family_scores={"flight": 0.25, "terminal": 0.75})
    >>> entry = LeaderboardEntry(rank=1, run_id="ab12", policy=PolicyRef(name="agent <b>"),
    ...                          submitter="alice", verified=True, finished_at=None, score=score)
    >>> svg = family_chart([entry])
    >>> svg.count('class="bar"'), "agent &lt;b&gt;" in svg, "<b>" in svg
    (2, True, False)
"""

from __future__ import annotations

from html import escape

from skillgym.envs.core.protocol import LeaderboardEntry

MAX_POLICIES = 8
"""Policies drawn at most (the top of the ranking): more bars than this are unreadable."""

# Okabe and Ito's palette, without its yellow (too light on white): told apart with the
# common colour-vision deficiencies, each at least 3:1 against the white background.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9", "#6F4E37")
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)

# Narrow, so that on a phone the chart shrinks little and its text stays readable.
WIDTH = 480
PLOT_LEFT, PLOT_RIGHT = 96, 436  # the value labels go right of 1.0
BAR_HEIGHT, BAR_GAP, GROUP_GAP = 15, 3, 16
LEGEND_ROW, LEGEND_ITEM_WIDTH = 20, 192
LABEL_CHARS, FAMILY_CHARS = 24, 12


def _text(value: str) -> str:
    return escape(value, quote=True)


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _x(value: float) -> float:
    return PLOT_LEFT + max(0.0, min(1.0, value)) * (PLOT_RIGHT - PLOT_LEFT)


def policy_label(entry: LeaderboardEntry) -> str:
    """``name version`` of the entry's policy, as the pages and the chart print it."""
    return f"{entry.policy.name} {entry.policy.version}"


def _legend(drawn: list[LeaderboardEntry]) -> tuple[list[str], int]:
    per_row = max(1, (WIDTH - PLOT_LEFT) // LEGEND_ITEM_WIDTH)
    parts = []
    for index, entry in enumerate(drawn):
        x = PLOT_LEFT + (index % per_row) * LEGEND_ITEM_WIDTH
        y = 12 + (index // per_row) * LEGEND_ROW
        label = f"{entry.rank}. {policy_label(entry)}"
        parts.append(
            f'<g class="legend-item"><rect x="{x}" y="{y - 10}" width="12" height="12" '
            f'fill="{PALETTE[index]}"/><text x="{x + 17}" y="{y}">{_text(_short(label))}'
            f"<title>{_text(label)}</title></text></g>"
        )
    rows = (len(drawn) + per_row - 1) // per_row
    return parts, rows * LEGEND_ROW + 12


def _axis(top: int, bottom: int) -> list[str]:
    parts = []
    for tick in TICKS:
        x = _x(tick)
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" '
            'stroke="#c8c8c8" stroke-width="1"/>'
            f'<text class="tick" x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{tick:g}</text>'
        )
    parts.append(
        f'<line x1="{PLOT_LEFT}" y1="{bottom}" x2="{PLOT_RIGHT}" y2="{bottom}" stroke="#333"/>'
        f'<text x="{(PLOT_LEFT + PLOT_RIGHT) / 2:.0f}" y="{bottom + 34}" text-anchor="middle">'
        "mean score (0 to 1)</text>"
    )
    return parts


def _group(family: str, drawn: list[LeaderboardEntry], top: int) -> list[str]:
    group_height = len(drawn) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    parts = [
        f'<text class="family" x="{PLOT_LEFT - 8}" y="{top + group_height / 2 + 4:.0f}" '
        f'text-anchor="end">{_text(_short(family, FAMILY_CHARS))}<title>{_text(family)}</title></text>'
    ]
    for index, entry in enumerate(drawn):
        y = top + index * (BAR_HEIGHT + BAR_GAP)
        value = entry.score.family_scores.get(family)
        label = f"{policy_label(entry)} on {family}"
        if value is None:
            parts.append(
                f'<text x="{PLOT_LEFT + 4}" y="{y + BAR_HEIGHT - 3}">'
                f"no episodes<title>{_text(label)}: no episodes</title></text>"
            )
            continue
        end = _x(value)
        parts.append(
            f'<rect class="bar" x="{PLOT_LEFT}" y="{y}" width="{end - PLOT_LEFT:.1f}" '
            f'height="{BAR_HEIGHT}" fill="{PALETTE[index]}" data-family="{_text(family)}" '
            f'data-policy="{_text(policy_label(entry))}"><title>{_text(label)}: {value:.2f}'
            f'</title></rect><text class="value" x="{end + 4:.1f}" y="{y + BAR_HEIGHT - 3}">'
            f"{value:.2f}</text>"
        )
    return parts


def family_chart(entries: list[LeaderboardEntry]) -> str:
    """Grouped horizontal bars: the mean score of each ranked policy in each family.

    One group per family (sorted by name), one bar per policy in rank order, coloured as
    in the legend and labelled with its value; at most :data:`MAX_POLICIES` policies,
    the top of the ranking. Every text is escaped.

    Args:
        entries: The ranked entries of a leaderboard, best first.

    Returns:
        The ``<svg>`` element (``role="img"``, with a ``<title>`` and an ``aria-label``),
        or an empty string when there is nothing to draw.
    """
    drawn = entries[:MAX_POLICIES]
    families = sorted({family for entry in drawn for family in entry.score.family_scores})
    if not drawn or not families:
        return ""
    legend, legend_height = _legend(drawn)
    group_height = len(drawn) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    top = legend_height + 8
    bottom = top + len(families) * (group_height + GROUP_GAP)
    height = bottom + 44
    bars = []
    for index, family in enumerate(families):
        bars += _group(family, drawn, top + GROUP_GAP // 2 + index * (group_height + GROUP_GAP))
    title = (
        f"Mean score by family of the top {len(drawn)} ranked "
        f"{'policy' if len(drawn) == 1 else 'policies'}, from 0 to 1"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-label="{_text(title)}" font-family="system-ui, sans-serif" font-size="13" '
        f'fill="#1a1a1a"><title>{_text(title)}</title>'
        + "".join(legend + _axis(top, bottom) + bars)
        + "</svg>"
    )
