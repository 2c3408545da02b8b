//! Page layout, escaping, and the little CSS and JavaScript the pages use
//! (served as files; no build step).

use std::fmt::Write as _;

use axum::response::Html;
use chrono::{DateTime, Utc};

use super::countdown::{ClockState, Countdown};
use super::persona::Persona;

/// Text made safe for HTML element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: the persona's navigation, the demo notice, and `body`.
/// `now` is the server's clock, from which the page's script takes its
/// offset to the browser's.
pub(crate) fn page(
    title: &str,
    persona: Option<Persona>,
    now: DateTime<Utc>,
    body: &str,
) -> Html<String> {
    let mut nav = String::new();
    if let Some(p) = persona {
        let links: &[(&str, &str)] = match p {
            Persona::Customer => &[("/portal", "My tickets"), ("/outbox", "My notifications")],
            Persona::L1 | Persona::L2 => &[
                ("/queue", "Queue"),
                ("/queue?assignee=me", "Mine"),
                ("/outbox", "Outbox"),
            ],
            Persona::Supervisor => &[
                ("/supervisor", "Dashboard"),
                ("/queue", "Queue"),
                ("/outbox", "Outbox"),
            ],
        };
        for (href, label) in links {
            let _ = write!(nav, r#"<li><a href="{href}">{label}</a></li>"#);
        }
        let _ = write!(
            nav,
            r#"<li><a href="/">Switch persona</a> <span class="who">({})</span></li>"#,
            esc(p.title())
        );
    } else {
        nav.push_str(r#"<li><a href="/">Choose a persona</a></li>"#);
    }
    Html(format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · helpdesk demo</title>
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
</head>
<body data-server-now="{now_ms}">
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="brand"><a href="/">helpdesk</a> <span>web demo</span></p>
<nav aria-label="Main"><ul>{nav}</ul></nav>
<p class="demo-note" role="note">Demo: the persona is picked, not signed in. Your app puts its own authentication where the persona is chosen.</p>
</header>
<main id="main">
<h1>{title}</h1>
{body}
</main>
</body>
</html>"##,
        title = esc(title),
        now_ms = now.timestamp_millis(),
    ))
}

/// `3h 05m 09s`.
pub(crate) fn hms(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (h, m, x) = (s / 3600, s % 3600 / 60, s % 60);
    if h > 0 {
        format!("{h}h {m:02}m {x:02}s")
    } else {
        format!("{m}m {x:02}s")
    }
}

/// The countdown element: readable as served, kept current by the script.
pub(crate) fn countdown(c: Option<&Countdown>) -> String {
    let Some(c) = c else {
        return r#"<span class="sla none">no SLA clock running</span>"#.into();
    };
    let open: Vec<[i64; 2]> = c
        .open
        .iter()
        .map(|(a, b)| [a.timestamp_millis(), b.timestamp_millis()])
        .collect();
    let open = serde_json::to_string(&open).unwrap_or_else(|_| "[]".into());
    let (state, left) = match c.state {
        ClockState::Running => ("running", format!("{} left", hms(c.remaining_secs))),
        ClockState::Paused => ("paused", format!("{} left, paused", hms(c.remaining_secs))),
        ClockState::Overdue => ("overdue", format!("overdue by {}", hms(c.remaining_secs))),
    };
    let due = c.due.map_or_else(String::new, |d| {
        format!(
            r#", due <time datetime="{}">{}</time>"#,
            d.to_rfc3339(),
            d.format("%a %Y-%m-%d %H:%M UTC")
        )
    });
    format!(
        r#"<span class="countdown sla {state}" role="timer" data-state="{state}" data-remaining="{rem}" data-at="{at}" data-open="{open}"><span class="metric">{label}</span>: <span class="left">{left}</span> <span class="business">(business time{due})</span></span>"#,
        rem = c.remaining_secs,
        at = c.at.timestamp_millis(),
        open = esc(&open),
        label = esc(c.label),
    )
}

/// A `<time>` for an instant.
pub(crate) fn when(t: DateTime<Utc>) -> String {
    format!(
        r#"<time datetime="{}">{}</time>"#,
        t.to_rfc3339(),
        t.format("%Y-%m-%d %H:%M UTC")
    )
}

/// The stylesheet: readable on a phone, visible focus, no framework.
pub(crate) const CSS: &str = r#"
:root { --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --accent:#0b5fff; --warn:#9a6700; --bad:#b3261e; --ok:#1a7f37; --note:#fff8c5; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; }
header, main { max-width: 72rem; margin: 0 auto; padding: 0.5rem 1rem; }
header { border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; margin: 0.25rem 0; } .brand span { color: var(--muted); font-weight: 400; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; padding: 0; margin: 0.25rem 0; }
.who { color: var(--muted); }
.demo-note { background: var(--note); padding: 0.25rem 0.5rem; border-radius: 4px; font-size: 0.9rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 0.5rem; background: #fff; padding: 0.25rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
form { margin: 0.5rem 0 1rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin-top: 0.5rem; }
input[type=text], input[type=search], textarea, select { width: 100%; max-width: 40rem; font: inherit; padding: 0.35rem; }
textarea { min-height: 5rem; }
button { font: inherit; padding: 0.4rem 0.9rem; margin-top: 0.5rem; cursor: pointer; }
.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: 0 1rem; align-items: end; }
.actions { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 0 1rem; }
.sla.running { color: var(--ok); } .sla.paused { color: var(--warn); } .sla.overdue { color: var(--bad); font-weight: 600; }
.sla.none, .muted, .business { color: var(--muted); }
.business { font-size: 0.85rem; }
ol.timeline { list-style: none; padding: 0; }
ol.timeline li { border-left: 3px solid var(--line); padding: 0.25rem 0.75rem; margin: 0.5rem 0; }
ol.timeline li.internal { background: var(--note); border-left-color: var(--warn); }
ol.timeline li.public { border-left-color: var(--accent); }
.body { white-space: pre-wrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 600; }
.error { border: 2px solid var(--bad); padding: 0.5rem 1rem; border-radius: 6px; }
.flash { border: 1px solid var(--ok); padding: 0.5rem 1rem; border-radius: 6px; }
.personas { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 1rem; }
.personas label { font-weight: 400; border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; }
.personas label strong { display: block; }
@media (max-width: 40rem) { th.opt, td.opt { display: none; } }
"#;

/// The countdown: business seconds left at the server's instant, minus the
/// open time that has passed since (the server's open windows), frozen
/// while paused. The browser's clock only measures the time since; its
/// offset to the server's clock is taken at load.
pub(crate) const JS: &str = r#"
(function () {
  "use strict";
  var serverNow = Number(document.body.dataset.serverNow);
  var offset = serverNow - Date.now();
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function hms(s) {
    s = Math.abs(Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), x = s % 60;
    return h > 0 ? h + "h " + two(m) + "m " + two(x) + "s" : m + "m " + two(x) + "s";
  }
  function openBetween(a, b, open) {
    var t = 0;
    for (var i = 0; i < open.length; i++) {
      var lo = Math.max(a, open[i][0]), hi = Math.min(b, open[i][1]);
      if (hi > lo) { t += hi - lo; }
    }
    return t;
  }
  function tick() {
    var now = Date.now() + offset;
    var clocks = document.querySelectorAll(".countdown");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i], d = el.dataset;
      var open = JSON.parse(d.open || "[]");
      var left = Number(d.remaining);
      var text;
      if (d.state === "paused") {
        text = hms(left) + " left, paused";
      } else {
        left -= openBetween(Number(d.at), now, open) / 1000;
        text = left < 0 ? "overdue by " + hms(-left) : hms(left) + " left";
        var inHours = open.some(function (w) { return now >= w[0] && now < w[1]; });
        if (!inHours) { text += ", clock stopped outside business hours"; }
        el.classList.toggle("overdue", left < 0);
      }
      el.querySelector(".left").textContent = text;
      d.live = "1";
    }
  }
  if (document.querySelector(".countdown")) { tick(); setInterval(tick, 1000); }
})();
"#;
