"""The recovery funnel in the local stack: the functions' metrics, which
they write to their logs in CloudWatch's embedded metric format (EMF), read
from `cargo lambda watch`'s output and counted as CloudWatch would, per step
and channel, then served as a page (`/local/funnel`, read again every five
seconds) while you click through the flows.

    funnel = Funnel()
    funnel.feed(line)      # True when the line was an EMF record (counted)
    funnel.page()          # the page, as bytes
"""

import html
import json
import math
import threading

CHANNELS = [("email_link", "Email link"), ("sms_code", "SMS code"),
            ("admin_link", "Admin link"), ("invitation", "Invitation")]
STEPS = [("Requested", "Requested"), ("Limited", "Refused by a limit"),
         ("Challenged", "Challenged"), ("Sent", "Sent"), ("Delivered", "Delivered"),
         ("Bounced", "Bounced"), ("Complained", "Complained"), ("Opened", "Link page opened"),
         ("CodeAccepted", "Code accepted"), ("CodeRefused", "Code refused"),
         ("PasswordSet", "Password set")]


def snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def percentile(values: list[float], p: int) -> float | None:
    """Nearest rank, as CloudWatch's pNN of few values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Funnel:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.steps: dict[tuple[str, str], float] = {}
        self.recovered: dict[str, list[float]] = {}
        self.other: dict[tuple[str, str], float] = {}

    def feed(self, line: str) -> bool:
        start = line.find("{")
        if start < 0 or '"_aws"' not in line:
            return False
        try:
            record = json.loads(line[start:])
        except ValueError:
            return False
        if not isinstance(record, dict) or not isinstance(record.get("_aws"), dict):
            return False
        with self.lock:
            for directive in record["_aws"].get("CloudWatchMetrics", []):
                keys = next((s for s in directive.get("Dimensions", []) if s), [])
                where = ", ".join(f"{k} {record.get(k, '')}" for k in keys)
                for metric in directive.get("Metrics", []):
                    name, value = metric["Name"], record.get(metric["Name"], 0)
                    channel = record.get("Channel")
                    if name == "TimeToRecover":
                        self.recovered.setdefault(channel, []).append(value)
                    elif keys == ["Channel"]:
                        self.steps[(name, channel)] = self.steps.get((name, channel), 0) + value
                    else:
                        self.other[(name, where)] = self.other.get((name, where), 0) + value
        return True

    def page(self) -> bytes:
        with self.lock:
            steps, recovered, other = dict(self.steps), dict(self.recovered), dict(self.other)
        e = html.escape
        head = "".join(f'<th scope="col">{e(label)}</th>' for _, label in CHANNELS)
        rows = []
        for step, label in STEPS:
            cells = []
            for channel, _ in CHANNELS:
                count = steps.get((step, channel), 0)
                requested = steps.get(("Requested", channel), 0)
                share = f" <small>({round(100 * count / requested)}%)</small>" \
                    if requested and step != "Requested" else ""
                cells.append(f'<td id="{channel}.{snake(step)}" data-count="{count:g}">'
                             f'{count:g}{share}</td>')
            rows.append(f'<tr><th scope="row">{e(label)}</th>{"".join(cells)}</tr>')
        times = []
        for channel, label in CHANNELS:
            values = recovered.get(channel, [])
            p50, p90 = percentile(values, 50), percentile(values, 90)
            show = lambda v: "–" if v is None else f"{v:g} s"
            times.append(f'<tr><th scope="row">{e(label)}</th><td id="{channel}.recovered" data-count="{len(values)}">{len(values)}</td>'
                         f'<td id="{channel}.p50">{show(p50)}</td><td id="{channel}.p90">{show(p90)}</td></tr>')
        others = "".join(
            f'<tr><th scope="row">{e(name)}</th><td>{e(where) or "all"}</td><td>{value:g}</td></tr>'
            for (name, where), value in sorted(other.items()))
        body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Recovery funnel (local)</title>
<style>
body{{font-family:system-ui,sans-serif;font-size:14px;margin:16px;color:#1a1a1a;max-width:960px}}
table{{border-collapse:collapse;margin:0 0 20px}}
th,td{{border:1px solid #8a8a8a;padding:3px 6px;text-align:right}}
th[scope=row],thead th:first-child{{text-align:left}}
caption{{text-align:left;font-weight:600;padding:6px 0}}
small{{color:#4a4a4a}}
</style></head>
<body><main>
<h1>Recovery funnel</h1>
<p>What the functions of this local stack counted since it started, from the
metrics they write to their logs (as CloudWatch reads them). Refreshed every
five seconds.</p>
<table><caption>Steps per channel (share of requested)</caption>
<thead><tr><th scope="col">Step</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
<table><caption>Time to recover (link or code to new password)</caption>
<thead><tr><th scope="col">Channel</th><th scope="col">Recoveries</th><th scope="col">p50</th>
<th scope="col">p90</th></tr></thead><tbody>{"".join(times)}</tbody></table>
<table><caption>Everything else counted</caption>
<thead><tr><th scope="col">Metric</th><th scope="col">By</th><th scope="col">Sum</th></tr></thead>
<tbody>{others}</tbody></table>
</main>
<script>
// Read again every five seconds (not under WebDriver, where the tests
// read it once).
if (!navigator.webdriver) setTimeout(function () {{ location.reload(); }}, 5000);
</script>
</body></html>"""
        return body.encode()
