"""Template tags shared by every app: the lifecycle timeline, status badges, dates."""

import itertools
from dataclasses import dataclass

from django import template
from django.utils import timezone

from exchange.lifecycle import event_labels, graph_layout

register = template.Library()

NODE_WIDTH, NODE_HEIGHT = 116, 40
COLUMN_GAP, ROW_GAP = 26, 26
MARGIN = 12
WRAP_AT = 14


@dataclass(frozen=True)
class Node:
    value: str
    lines: list[str]
    x: int
    y: int
    css: str

    @property
    def text_y(self) -> int:
        return self.y + NODE_HEIGHT // 2 - (len(self.lines) - 1) * 7 + 4


@dataclass(frozen=True)
class Edge:
    path: str
    css: str


def _wrap(label: str, wrap_at: int = WRAP_AT) -> list[str]:
    if len(label) <= wrap_at or " " not in label:
        return [label]
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > wrap_at:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return lines[:2]


def _box(position, width):
    column, row = position
    return MARGIN + column * (width + COLUMN_GAP), MARGIN + row * (NODE_HEIGHT + ROW_GAP)


def _edge_path(source, target, width) -> str:
    (sx, sy), (tx, ty) = _box(source, width), _box(target, width)
    if target[0] > source[0]:  # forward: right side to left side
        x1, y1, x2, y2 = sx + width, sy + NODE_HEIGHT / 2, tx, ty + NODE_HEIGHT / 2
        bend = (x2 - x1) / 2
        return f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2 - 2},{y2}"
    if target[0] == source[0]:  # straight down or up, in the same column
        x = sx + width / 2
        y1, y2 = (sy + NODE_HEIGHT, ty) if ty > sy else (sy, ty + NODE_HEIGHT)
        offset = 10 if ty > sy else -10
        return f"M{x - offset},{y1} L{x - offset},{y2 + (-2 if ty > sy else 2)}"
    # backward: loop under the boxes, from the bottom of the source to the bottom of the target
    x1, y1 = sx + width / 2 - 14, sy + NODE_HEIGHT
    x2, y2 = tx + width / 2 + 14, ty + NODE_HEIGHT
    depth = max(y1, y2) + ROW_GAP * 0.8
    return f"M{x1},{y1} C{x1},{depth} {x2},{depth} {x2},{y2 + 2}"


@register.inclusion_tag("exchange/includes/timeline.html")
def lifecycle_timeline(obj, events):
    """The state graph of ``obj``'s lifecycle, current state highlighted, and the events that moved it."""
    machine = type(obj).LIFECYCLE
    transitions, status_enum, main_path = machine.transitions, machine.status, machine.main_path
    positions = graph_layout(transitions, main_path)
    columns = max(c for c, _ in positions.values()) + 1
    # Long processes get narrower boxes, so that the whole road fits the page.
    node_width = NODE_WIDTH if columns <= 7 else 100
    events = list(events)
    visited = {e.to_status for e in events} | {e.from_status for e in events if e.from_status}
    travelled = {(e.from_status, e.to_status) for e in events if e.from_status != e.to_status}
    nodes = []
    for state, position in positions.items():
        x, y = _box(position, node_width)
        css = "current" if state == obj.status else ("visited" if state.value in visited else "")
        if not transitions[state]:
            css += " terminal"
        nodes.append(
            Node(
                state.value,
                _wrap(str(state.label), 14 if node_width == NODE_WIDTH else 12),
                x,
                y,
                css.strip(),
            )
        )
    # Drawn: the road travelled, the moves open from here, and the main path. Every other edge
    # would only add noise (a dozen ways to withdraw cross the whole graph).
    main_steps = set(itertools.pairwise(main_path))
    edges = []
    for source, targets in transitions.items():
        for target in targets:
            if (source.value, target.value) in travelled:
                css = "travelled"
            elif source == obj.status:
                css = "open"
            elif (source, target) in main_steps:
                css = ""
            else:
                continue
            edges.append(Edge(_edge_path(positions[source], positions[target], node_width), css))
    rows = max(r for _, r in positions.values()) + 1
    return {
        "nodes": nodes,
        "edges": edges,
        "width": MARGIN * 2 + columns * node_width + (columns - 1) * COLUMN_GAP,
        "height": MARGIN * 2 + rows * NODE_HEIGHT + (rows - 1) * ROW_GAP + ROW_GAP,
        "node_width": node_width,
        "node_centre": node_width // 2,
        "node_height": NODE_HEIGHT,
        "events": events,
        "current": status_enum(obj.status),
        "status_labels": {s.value: s.label for s in status_enum},
        "kind_labels": event_labels(machine),
    }


@register.filter
def status_label(value, labels):
    return labels.get(value, value)


@register.filter
def days_since(since, now):
    """Whole days from ``since`` to ``now`` (the business time the view read once)."""
    if since is None or now is None:
        return ""
    return (now - since).days


@register.filter
def local(value):
    return timezone.localtime(value) if value else value


@register.filter
def yuan(amount, currency="CNY"):
    """One format for money: ¥1,234.50; a Money carries its own currency."""
    from exchange.money import format_amount

    return format_amount(amount, currency or "CNY")
