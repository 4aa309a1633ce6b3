"""A price history as a small server-rendered SVG (no JavaScript, light on a phone)."""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

WIDTH, HEIGHT, PAD = 640, 220, 36
MAX_POINTS = 260


def thin(points: list[tuple[date, int]], limit: int = MAX_POINTS) -> list[tuple[date, int]]:
    """At most ``limit`` points: long ranges are averaged in equal buckets."""
    if len(points) <= limit:
        return points
    size = len(points) / limit
    out = []
    for i in range(limit):
        bucket = points[int(i * size) : int((i + 1) * size)] or [points[-1]]
        out.append((bucket[-1][0], round(sum(p for _, p in bucket) / len(bucket))))
    return out


def _rp(value: int) -> str:
    return "Rp" + f"{value:,}".replace(",", ".")


def svg_chart(
    points: list[tuple[date, int]],
    *,
    reference: int | None = None,
    title: str = "",
    series: dict[str, list[tuple[date, int]]] | None = None,
    label: str = "",
) -> str:
    """A line chart of ``points`` (named ``label``, and labelled ``series``); the reference
    is a dashed line."""
    lines = {label: thin(points)}
    for label, other in (series or {}).items():
        lines[label] = thin(other)
    every = [p for line in lines.values() for p in line]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="sipaw-chart">'
    )
    if not every:
        return head + f'<text x="{PAD}" y="{HEIGHT // 2}">-</text></svg>'
    days = [d.toordinal() for d, _ in every]
    values = [p for _, p in every] + ([reference] if reference else [])
    x0, x1 = min(days), max(days) or 1
    y0, y1 = min(values) * 0.95, max(values) * 1.05
    span_x = max(x1 - x0, 1)
    span_y = max(y1 - y0, 1)

    def xy(d: date, p: float) -> str:
        x = PAD + (d.toordinal() - x0) * (WIDTH - 2 * PAD) / span_x
        y = HEIGHT - PAD - (p - y0) * (HEIGHT - 2 * PAD) / span_y
        return f"{x:.1f},{y:.1f}"

    parts = [head, f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>']
    colours = ["#1f5fa8", "#c0392b", "#27864a", "#8e44ad"]
    for n, (label, line) in enumerate(lines.items()):
        path = " ".join(xy(d, p) for d, p in line)
        parts.append(
            f'<polyline fill="none" stroke="{colours[n % 4]}" stroke-width="2" points="{path}"/>'
        )
        if label:
            parts.append(
                f'<text x="{WIDTH - PAD}" y="{14 + 14 * n}" text-anchor="end" '
                f'fill="{colours[n % 4]}" font-size="12">{escape(label)}</text>'
            )
    if reference:
        y = xy(date.fromordinal(x0), reference).split(",")[1]
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y}" y2="{y}" stroke="#e67e22" '
            f'stroke-dasharray="6 4"/><text x="{PAD + 4}" y="{float(y) - 4:.1f}" font-size="11" '
            f'fill="#e67e22">HET/HAP {_rp(reference)}</text>'
        )
    low, high = min(p for _, p in every), max(p for _, p in every)
    first, last = date.fromordinal(x0), date.fromordinal(x1)
    parts.append(
        f'<text x="{PAD}" y="{HEIGHT - 10}" font-size="11">{first.isoformat()}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 10}" font-size="11" text-anchor="end">'
        f"{last.isoformat()}</text>"
        f'<text x="2" y="{PAD - 8}" font-size="11">{_rp(high)}</text>'
        f'<text x="2" y="{HEIGHT - PAD + 14}" font-size="11">{_rp(low)}</text></svg>'
    )
    return "".join(parts)


def svg_map(
    places: list[tuple[str, float, float, int | None]], *, reference: int | None = None
) -> str:
    """Markets as dots at their coordinates, labelled with their price (red above the reference)."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 40}" '
        'role="img" aria-label="map" class="sipaw-chart">'
    )
    located = [p for p in places if p[1] is not None and p[2] is not None]
    if not located:
        return head + "</svg>"
    lats = [p[1] for p in located]
    lons = [p[2] for p in located]
    lat0, lat1 = min(lats), max(lats)
    lon0, lon1 = min(lons), max(lons)
    span_lat, span_lon = max(lat1 - lat0, 0.01), max(lon1 - lon0, 0.01)
    parts = [head, f'<rect width="{WIDTH}" height="{HEIGHT + 40}" fill="#f4f8fb"/>']
    for name, lat, lon, price in located:
        x = PAD + (lon - lon0) * (WIDTH - 2 * PAD - 120) / span_lon
        y = PAD + (lat1 - lat) * (HEIGHT - 2 * PAD) / span_lat
        colour = "#c0392b" if reference and price and price > reference else "#1f5fa8"
        label = _rp(price) if price else "-"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colour}"/>'
            f'<text x="{x + 9:.1f}" y="{y + 4:.1f}" font-size="12">{escape(name)}: {label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
