//! Demo data for a first start: three weeks of a help desk's life on the
//! README's configuration, played through the desk itself on a manual
//! clock (so every SLA record, escalation and notification is real), then
//! a few tickets still open now.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};
use helpdesk::store::{TicketFilter, Visibility};
use helpdesk::survey::{Rating, Score};
use helpdesk::{
    Actor, Channel, Clock, CustomerId, HelpDesk, ManualClock, NewTicket, Requester, Result, Store,
    Ticket,
};

use super::app;
use super::outbox::DemoOutbox;
use super::persona::{self, ANA, LENA};

/// Whether the store already holds the demo (Ada has tickets).
pub(crate) async fn is_seeded(store: &dyn Store) -> Result<bool> {
    let n = store
        .count(
            &TicketFilter::default().requester(persona::customer()),
            &Visibility::All,
        )
        .await?;
    Ok(n > 0)
}

struct Who {
    id: CustomerId,
    name: &'static str,
    email: &'static str,
    organization: &'static str,
    tier: Option<&'static str>,
}

impl Who {
    fn requester(&self) -> Requester {
        let mut r = Requester::new(self.id, self.name)
            .email(self.email)
            .organization(self.organization);
        if let Some(t) = self.tier {
            r = r.tier(t);
        }
        r
    }
}

fn customers() -> Vec<Who> {
    let id = |n: u8| {
        format!("01936f6e-0000-7000-8000-0000000000c{n}")
            .parse::<CustomerId>()
            .expect("a constant UUID")
    };
    vec![
        Who {
            id: persona::customer(),
            name: "Ada Lovelace",
            email: "ada@example.com",
            organization: "Analytical Engines Ltd",
            tier: None,
        },
        Who {
            id: id(2),
            name: "Grace Hopper",
            email: "grace@example.com",
            organization: "Navy Labs",
            tier: Some("vip"),
        },
        Who {
            id: id(3),
            name: "Linus Torvalds",
            email: "linus@example.com",
            organization: "Kernel Org",
            tier: None,
        },
        Who {
            id: id(4),
            name: "Margaret Hamilton",
            email: "margaret@example.com",
            organization: "Apollo Systems",
            tier: None,
        },
        Who {
            id: id(5),
            name: "Tim Berners-Lee",
            email: "tim@example.com",
            organization: "CERN",
            tier: None,
        },
    ]
}

/// What people write in about: (channel, subject, description, category).
const TOPICS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "email",
        "VPN drops every hour",
        "Since Monday the VPN disconnects hourly; reconnecting works.",
        Some("network/vpn"),
    ),
    (
        "phone",
        "Printer on floor 3 jams",
        "Called in: the printer by the kitchen jams on every duplex job.",
        None,
    ),
    (
        "chat",
        "Password reset for the CRM",
        "I am locked out of the CRM after the password change.",
        Some("applications"),
    ),
    (
        "portal",
        "Wi-Fi slow in meeting room B",
        "Video calls stutter in room B; other rooms are fine.",
        Some("network/wifi"),
    ),
    (
        "social",
        "Status page green but the site is down",
        "@support your status page says all green, our shop is down.",
        Some("network"),
    ),
    (
        "api",
        "Monitoring: disk 95% on build-07",
        "Alert from the monitoring integration: /var on build-07 at 95%.",
        None,
    ),
    (
        "email",
        "Invoice PDF export fails",
        "Exporting an invoice as PDF shows an error 500.",
        Some("applications"),
    ),
    (
        "phone",
        "New starter needs a laptop",
        "Called in: a new colleague starts Monday and needs a laptop.",
        None,
    ),
];

/// Seeds the store: the history and a few open tickets. `now` is the real
/// instant the live desk starts at.
pub(crate) async fn seed(
    backend: app::Backend,
    outbox: Arc<DemoOutbox>,
    now: DateTime<Utc>,
) -> Result<usize> {
    // Three weeks back, on a Monday at 14:00 UTC (morning in New York).
    let mut start = (now - Duration::days(21))
        .with_hour(14)
        .and_then(|t| t.with_minute(0))
        .and_then(|t| t.with_second(0))
        .unwrap_or(now - Duration::days(21));
    while start.weekday() != Weekday::Mon {
        start -= Duration::days(1);
    }
    let clock = Arc::new(ManualClock::new(start));
    let desk = app::desk(backend, clock.clone(), outbox)?;
    super::kb::seed(&desk).await?;
    let people = customers();
    let plan = plan(start, now);
    let mut sim = Sim {
        desk,
        clock,
        tickets: Vec::new(),
    };
    for (at, step) in plan {
        sim.until(at).await?;
        sim.run(&people, step).await?;
    }
    sim.until(now).await?;
    Ok(sim.tickets.len())
}

/// One thing that happens to ticket number `.0` of the plan.
enum Step {
    Open(usize, usize, usize),
    Reply(usize, &'static str),
    Note(usize, &'static str),
    Move(usize, &'static str, &'static str),
    Customer(usize, &'static str),
    /// The requester rates the resolution in the portal: good, or bad.
    Rate(usize, bool),
}

/// Everything that happens, in time order: one or two tickets a business
/// day, most worked to an end (every fifth answered late, so SLA breaches
/// and escalations show), then the last two days' open work.
fn plan(start: DateTime<Utc>, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, Step)> {
    let mut steps = Vec::new();
    let history_end = now - Duration::days(2);
    let mut day = start;
    let mut n = 0usize;
    while day < history_end {
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            day += Duration::days(1);
            continue;
        }
        for slot in 0..=(n % 2) {
            let opened = day + Duration::hours(2 * slot as i64);
            if opened >= history_end {
                break;
            }
            let first = if n % 5 == 4 {
                Duration::hours(9)
            } else {
                Duration::minutes(40 + 10 * (n % 4) as i64)
            };
            let t = opened + first;
            steps.push((opened, Step::Open(n, n % 5, n % TOPICS.len())));
            steps.push((
                t,
                Step::Reply(
                    n,
                    "Thanks, we are looking into it. Since when does it happen?",
                ),
            ));
            steps.push((
                t,
                Step::Note(n, "Checked the logs: looks like last week's known issue."),
            ));
            steps.push((
                t + Duration::hours(1),
                Step::Move(n, "pending", "asked the customer"),
            ));
            steps.push((
                t + Duration::hours(3),
                Step::Customer(n, "Since Monday morning, after the update."),
            ));
            if n % 7 != 6 {
                steps.push((
                    opened + Duration::hours(22),
                    Step::Reply(n, "Fixed: we rolled the update back on your machine."),
                ));
                steps.push((
                    opened + Duration::hours(22),
                    Step::Move(n, "resolved", "update rolled back"),
                ));
                // Some customers rate: the late answers badly, for CSAT to show.
                if n % 5 == 4 {
                    steps.push((opened + Duration::hours(23), Step::Rate(n, false)));
                } else if n.is_multiple_of(3) {
                    steps.push((opened + Duration::hours(23), Step::Rate(n, true)));
                }
                if opened < now - Duration::days(9) {
                    steps.push((
                        opened + Duration::days(4),
                        Step::Move(n, "closed", "no reply in three days"),
                    ));
                }
            }
            n += 1;
        }
        day += Duration::days(1);
    }
    // The last two days: open work in every state.
    let recent = [
        (Duration::hours(30), 0, 0),
        (Duration::hours(6), 4, 4),
        (Duration::hours(3), 1, 6),
        (Duration::minutes(50), 2, 3),
        (Duration::minutes(20), 3, 5),
        (Duration::minutes(15), 0, 7),
    ];
    for (i, (ago, who, topic)) in recent.into_iter().enumerate() {
        steps.push((now - ago, Step::Open(n + i, who, topic)));
    }
    let at = now - Duration::hours(29);
    steps.push((
        at,
        Step::Reply(n, "Could you send the VPN client's log file?"),
    ));
    steps.push((at, Step::Move(n, "pending", "waiting for the log")));
    steps.push((
        now - Duration::hours(5),
        Step::Note(
            n + 1,
            "Edge router flapping; opened a case with the carrier.",
        ),
    ));
    // Stable: steps at one instant keep their order.
    steps.sort_by_key(|(at, _)| *at);
    steps.retain(|(at, _)| *at <= now);
    steps
}

struct Sim {
    desk: HelpDesk,
    clock: Arc<ManualClock>,
    tickets: Vec<Ticket>,
}

impl Sim {
    /// Moves the clock to `t` an hour at a time, running the worker at each
    /// step as the live demo's worker would.
    async fn until(&mut self, t: DateTime<Utc>) -> Result<()> {
        while self.clock.now() + Duration::hours(1) < t {
            self.clock.advance(Duration::hours(1));
            app::work_once(&self.desk).await;
        }
        if self.clock.now() < t {
            self.clock.set(t);
        }
        app::work_once(&self.desk).await;
        Ok(())
    }

    async fn run(&mut self, people: &[Who], step: Step) -> Result<()> {
        let lena = Actor::supervisor(persona::agent(LENA));
        match step {
            Step::Open(n, who, topic) => {
                if n != self.tickets.len() {
                    return Err(helpdesk::Error::validation(
                        "seed",
                        format!("ticket {n} of the plan opens out of order"),
                    ));
                }
                let t = self.open(&people[who], TOPICS[topic]).await?;
                self.tickets.push(t);
            }
            Step::Reply(n, body) => {
                let (a, id) = self.staff_for(n).await?;
                self.desk.reply(&a, id, body).await?;
            }
            Step::Note(n, body) => {
                let (a, id) = self.staff_for(n).await?;
                self.desk.note(&a, id, body).await?;
            }
            Step::Move(n, to, why) => {
                let (a, id) = self.staff_for(n).await?;
                let a = if to == "closed" { lena } else { a };
                self.desk.transition(&a, id, to, Some(why)).await?;
            }
            Step::Customer(n, body) => {
                let t = &self.tickets[n];
                self.desk.portal(t.requester.id).reply(t.id, body).await?;
            }
            Step::Rate(n, good) => {
                let t = &self.tickets[n];
                let rating = if good {
                    Rating::new(Score::Good).comment("Quick and friendly, thank you.")
                } else {
                    Rating::new(Score::Bad)
                        .reason("too_slow")
                        .comment("A whole day for the first answer.")
                };
                self.desk.portal(t.requester.id).rate(t.id, rating).await?;
            }
        }
        Ok(())
    }

    async fn open(&mut self, who: &Who, topic: (&str, &str, &str, Option<&str>)) -> Result<Ticket> {
        let (channel, subject, description, category) = topic;
        let channel = super::views::channel(channel);
        let mut new = NewTicket::new(who.requester(), channel.clone(), subject, description);
        if let Some(c) = category {
            new = new.category(c);
        }
        let lena = Actor::supervisor(persona::agent(LENA));
        if channel == Channel::Portal {
            let mine = self.desk.portal(who.id).open(new).await?;
            return self.desk.get(&lena, mine.id).await;
        }
        // Staff log what comes in by phone, mail, chat, social and API.
        self.desk.open(&lena, new).await
    }

    /// Whoever works ticket `n` now (its assignee, else first line's Ana),
    /// acting with a supervisor's reach so escalated tickets stay workable.
    async fn staff_for(&self, n: usize) -> Result<(Actor, helpdesk::TicketId)> {
        let id = self.tickets[n].id;
        let now = self
            .desk
            .get(&Actor::supervisor(persona::agent(LENA)), id)
            .await?;
        let who = now.assignee.unwrap_or_else(|| persona::agent(ANA));
        Ok((Actor::supervisor(who), id))
    }
}
