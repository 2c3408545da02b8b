//! SLA scenarios through the HelpDesk with a manual clock, in New York
//! office hours (Mon-Fri 09:00-17:00) across holidays, pauses, priority
//! changes, both DST switches of 2026 and reopening.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use helpdesk::sla::{Metric, MetricState, SlaConfig, SlaStatus};
use helpdesk::ticket::EventKind;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, GroupId, HelpDesk, ManualClock, NewTicket,
    NotificationKind, Priority, Recipient, RecordingNotifier, Requester, Ticket, TicketEvent,
    TicketId,
};

const CONFIG: &str = r#"
default = "standard"

[calendars.office]
time_zone = "America/New_York"
holidays = ["2026-03-09"]
[calendars.office.week]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]

[[policies]]
name = "vip"
when = { requester_tier = ["vip"] }
calendar = "24x7"
reopen = "continue"
first_response = { target = "1h" }
resolution = { target = "10h" }

[[policies]]
name = "round-the-clock"
when = { category = ["outage"] }
calendar = "24x7"
resolution = { target = "24h" }
first_response = { target = "8h" }

[[policies]]
name = "standard"
calendar = "office"
first_response = { target = "30m" }
next_response = { target = "4h" }
periodic_update = { target = "8h" }
[policies.resolution]
targets = { critical = "4h", high = "8h", medium = "16h", low = "40h" }
warning = "1h"
"#;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

struct World {
    desk: HelpDesk,
    clock: Arc<ManualClock>,
    notifier: Arc<RecordingNotifier>,
    staff: Actor,
    customer: CustomerId,
}

impl World {
    fn new(start: &str) -> World {
        World::with(start, Some(SlaConfig::from_toml(CONFIG).unwrap()))
    }

    fn with(start: &str, sla: Option<SlaConfig>) -> World {
        let clock = Arc::new(ManualClock::new(t(start)));
        let notifier = Arc::new(RecordingNotifier::new());
        let mut b = HelpDesk::builder()
            .clock(clock.clone())
            .notifier(notifier.clone());
        if let Some(sla) = sla {
            b = b.sla(sla);
        }
        World {
            desk: b.build().unwrap(),
            clock,
            notifier,
            staff: Actor::supervisor(AgentId::new()),
            customer: CustomerId::new(),
        }
    }

    fn at(&self, s: &str) {
        self.clock.set(t(s));
    }

    async fn open(&self, f: impl FnOnce(NewTicket) -> NewTicket) -> Ticket {
        let req = Requester::new(self.customer, "Ada").email("ada@example.com");
        let new = f(NewTicket::new(
            req,
            Channel::Portal,
            "VPN down",
            "Since this morning.",
        ));
        self.desk.open(&self.staff, new).await.unwrap()
    }

    async fn status(&self, id: TicketId) -> SlaStatus {
        self.desk.sla_status(&self.staff, id).await.unwrap()
    }

    async fn reply(&self, id: TicketId) {
        self.desk
            .reply(&self.staff, id, "Looking into it.")
            .await
            .unwrap();
    }

    async fn message(&self, id: TicketId) {
        self.desk
            .portal(self.customer)
            .message(id, "Any news?", Channel::Email)
            .await
            .unwrap();
    }

    async fn move_to(&self, id: TicketId, to: &str) {
        self.desk
            .transition(&self.staff, id, to, None)
            .await
            .unwrap();
    }

    async fn events(&self, id: TicketId) -> Vec<TicketEvent> {
        self.desk.timeline(&self.staff, id).await.unwrap()
    }

    async fn sla_events(&self, id: TicketId) -> Vec<EventKind> {
        self.events(id)
            .await
            .into_iter()
            .map(|e| e.kind)
            .filter(|k| k.name().starts_with("sla_"))
            .collect()
    }
}

#[tokio::test]
async fn friday_1655_before_a_holiday_monday_across_spring_forward() {
    // Friday 2026-03-06 16:55 EST; Sunday 03-08 clocks spring forward;
    // Monday 03-09 is a holiday.
    let w = World::new("2026-03-06T21:55:00Z");
    let ticket = w.open(|n| n).await;
    let s = w.status(ticket.id).await;
    assert_eq!(s.policy, "standard");
    let fr = s.metric(Metric::FirstResponse);
    // 5 minutes on Friday, 25 on Tuesday from 09:00 EDT.
    assert_eq!(fr.due, Some(t("2026-03-10T13:25:00Z")));
    assert_eq!(fr.warn_at, Some(t("2026-03-10T13:19:00Z"))); // 80% = 24 min
    let res = s.metric(Metric::Resolution);
    assert_eq!(res.target, Some(Duration::hours(16)));
    // 5 min Friday + 8h Tuesday + 7h55 Wednesday -> Wed 16:55 EDT.
    assert_eq!(res.due, Some(t("2026-03-11T20:55:00Z")));
    assert_eq!(res.warn_at, Some(t("2026-03-11T19:55:00Z"))); // 1h before

    // The acknowledgment promises the first response in local time.
    let ack = w
        .notifier
        .delivered()
        .into_iter()
        .find(|n| n.notification.kind == NotificationKind::Acknowledged)
        .unwrap();
    assert!(
        ack.message
            .text
            .contains("within 30 business minutes, by Tue 2026-03-10 09:25 EDT"),
        "{}",
        ack.message.text
    );
    // The policy choice is on the timeline, hidden from the requester.
    let events = w.events(ticket.id).await;
    assert!(
        matches!(&events[1].kind, EventKind::SlaPolicyApplied { policy, .. } if policy == "standard")
    );
    let theirs = w.desk.portal(w.customer).timeline(ticket.id).await.unwrap();
    assert!(!format!("{theirs:?}").contains("standard"));
    assert_eq!(
        w.desk.store().next_deadline(ticket.id).await.unwrap(),
        Some(t("2026-03-10T13:19:00Z"))
    );

    // Over the weekend and the holiday nothing is used up.
    w.at("2026-03-09T20:00:00Z");
    let fr = *w.status(ticket.id).await.metric(Metric::FirstResponse);
    assert_eq!(fr.elapsed, Duration::minutes(5));
    assert_eq!(fr.state, MetricState::Running);

    // Tuesday 09:20 EDT: the worker finds the warning due.
    w.at("2026-03-10T13:20:00Z");
    w.notifier.take();
    let updated = w.desk.refresh_time_driven(ticket.id).await.unwrap();
    assert!(updated.is_some());
    assert_eq!(
        w.sla_events(ticket.id).await[1..],
        [EventKind::SlaWarning {
            metric: Metric::FirstResponse,
            cycle: 1,
            due: t("2026-03-10T13:25:00Z")
        }]
    );
    assert_eq!(
        w.desk.store().next_deadline(ticket.id).await.unwrap(),
        Some(t("2026-03-10T13:25:00Z"))
    );
    // Nothing new a second time.
    assert!(
        w.desk
            .refresh_time_driven(ticket.id)
            .await
            .unwrap()
            .is_none()
    );

    // The reply at 09:25:00 is late: the due is the first late instant.
    w.at("2026-03-10T13:25:00Z");
    w.reply(ticket.id).await;
    let fr = *w.status(ticket.id).await.metric(Metric::FirstResponse);
    assert_eq!(fr.state, MetricState::Breached);
    assert_eq!(fr.breached_at, Some(t("2026-03-10T13:25:00Z")));
    assert_eq!(fr.completed_at, Some(t("2026-03-10T13:25:00Z")));
    assert_eq!(fr.met_at, None);
    let sla = w.sla_events(ticket.id).await;
    assert_eq!(
        sla.iter()
            .filter(|k| matches!(k, EventKind::SlaBreached { .. }))
            .count(),
        1
    );
}

#[tokio::test]
async fn warning_and_breach_are_recorded_once_and_notify_the_group() {
    let w = World::new("2026-03-10T14:00:00Z"); // Tue 10:00 EDT
    let group = GroupId::new("network").unwrap();
    let ticket = w.open(|n| n.group(group.clone())).await;
    w.at("2026-03-10T14:31:00Z");
    w.notifier.take();
    w.desk
        .refresh_time_driven(ticket.id)
        .await
        .unwrap()
        .unwrap();
    let sla = w.sla_events(ticket.id).await;
    // Both passed at once: the breach is recorded, the stale warning is not.
    assert_eq!(
        sla[1..],
        [EventKind::SlaBreached {
            metric: Metric::FirstResponse,
            cycle: 1,
            due: t("2026-03-10T14:30:00Z")
        }]
    );
    let sent = w.notifier.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].notification.kind, NotificationKind::SlaBreached);
    assert_eq!(
        sent[0].notification.recipient,
        Recipient::Group { id: group }
    );
    assert!(
        sent[0].message.subject.contains("first response"),
        "{}",
        sent[0].message.subject
    );
    // Later commands do not record it again.
    w.desk.note(&w.staff, ticket.id, "checking").await.unwrap();
    assert!(
        w.desk
            .refresh_time_driven(ticket.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(w.sla_events(ticket.id).await.len(), 2);
    // Resolution is still running: its warning is next.
    assert_eq!(
        w.desk.store().next_deadline(ticket.id).await.unwrap(),
        w.status(ticket.id).await.metric(Metric::Resolution).warn_at
    );
}

#[tokio::test]
async fn short_target_near_closing_time_is_due_at_the_next_opening() {
    let w = World::new("2026-03-10T20:45:00Z"); // Tue 16:45 EDT
    let ticket = w.open(|n| n).await;
    let fr = *w.status(ticket.id).await.metric(Metric::FirstResponse);
    assert_eq!(fr.due, Some(t("2026-03-11T13:15:00Z"))); // Wed 09:15 EDT
    // Met before the due: recorded once, by the reply's own command.
    w.at("2026-03-11T13:14:59Z");
    w.reply(ticket.id).await;
    let fr = *w.status(ticket.id).await.metric(Metric::FirstResponse);
    assert_eq!(fr.state, MetricState::Met);
    assert_eq!(fr.met_at, Some(t("2026-03-11T13:14:59Z")));
    assert!(w.sla_events(ticket.id).await.contains(&EventKind::SlaMet {
        metric: Metric::FirstResponse,
        cycle: 1,
        at: t("2026-03-11T13:14:59Z")
    }));
}

#[tokio::test]
async fn paused_over_a_weekend_then_next_response_cycle() {
    let w = World::new("2026-03-12T14:00:00Z"); // Thu 10:00 EDT
    let ticket = w.open(|n| n).await;
    w.at("2026-03-12T15:00:00Z");
    w.reply(ticket.id).await;
    w.at("2026-03-13T16:00:00Z"); // Fri 12:00: waiting on the customer
    w.move_to(ticket.id, "pending").await;
    let res = *w.status(ticket.id).await.metric(Metric::Resolution);
    assert_eq!(res.state, MetricState::Paused);
    assert_eq!(res.elapsed, Duration::hours(10));
    assert_eq!(res.due, None);
    // Paused tickets have no deadline for resolution; periodic update pauses too.
    assert_eq!(w.desk.store().next_deadline(ticket.id).await.unwrap(), None);

    // Monday 10:00 EDT the customer answers: Pending -> Open.
    w.at("2026-03-16T14:00:00Z");
    w.message(ticket.id).await;
    let s = w.status(ticket.id).await;
    let res = s.metric(Metric::Resolution);
    assert_eq!(res.state, MetricState::Running);
    assert_eq!(res.elapsed, Duration::hours(10));
    assert_eq!(res.paused, Duration::hours(6)); // Fri 12-17, Mon 9-10
    assert_eq!(res.due, Some(t("2026-03-16T20:00:00Z"))); // Mon 16:00 EDT
    let nr = s.metric(Metric::NextResponse);
    assert_eq!((nr.state, nr.cycle), (MetricState::Running, 1));
    assert_eq!(nr.due, Some(t("2026-03-16T18:00:00Z"))); // 4h: Mon 14:00
    let pu = s.metric(Metric::PeriodicUpdate);
    // From the reply Thu 11:00: 6h Thu + 3h Fri until the pause; the 8h
    // were used up Fri 11:00 EDT.
    assert_eq!(
        (pu.state, pu.elapsed),
        (MetricState::Breached, Duration::hours(9))
    );
    assert_eq!(pu.breached_at, Some(t("2026-03-13T15:00:00Z")));

    w.at("2026-03-16T15:30:00Z");
    w.reply(ticket.id).await;
    let s = w.status(ticket.id).await;
    assert_eq!(s.metric(Metric::NextResponse).state, MetricState::Met);
    let pu = s.metric(Metric::PeriodicUpdate);
    assert_eq!((pu.state, pu.cycle), (MetricState::Running, 2));
    assert_eq!(pu.previous.unwrap().state, MetricState::Breached);
    assert_eq!(
        pu.previous.unwrap().breached_at,
        Some(t("2026-03-13T15:00:00Z"))
    );
    let sla = w.sla_events(ticket.id).await;
    assert!(sla.contains(&EventKind::SlaBreached {
        metric: Metric::PeriodicUpdate,
        cycle: 1,
        due: t("2026-03-13T15:00:00Z")
    }));
    assert!(sla.contains(&EventKind::SlaMet {
        metric: Metric::NextResponse,
        cycle: 1,
        at: t("2026-03-16T15:30:00Z")
    }));
}

#[tokio::test]
async fn priority_raised_while_paused_keeps_elapsed_and_paused_time() {
    let w = World::new("2026-03-16T13:00:00Z"); // Mon 09:00 EDT
    let ticket = w.open(|n| n).await;
    assert_eq!(ticket.priority, Priority::Medium);
    w.at("2026-03-16T16:00:00Z"); // 12:00
    w.move_to(ticket.id, "on_hold").await;
    w.at("2026-03-16T18:00:00Z"); // 14:00, still on hold
    w.desk
        .set_priority(&w.staff, ticket.id, Priority::High, "CEO affected")
        .await
        .unwrap();
    let res = *w.status(ticket.id).await.metric(Metric::Resolution);
    assert_eq!(res.state, MetricState::Paused);
    assert_eq!(res.target, Some(Duration::hours(8)));
    assert_eq!(res.elapsed, Duration::hours(3));
    w.at("2026-03-16T19:00:00Z"); // 15:00
    w.move_to(ticket.id, "open").await;
    let res = *w.status(ticket.id).await.metric(Metric::Resolution);
    assert_eq!(res.elapsed, Duration::hours(3));
    assert_eq!(res.paused, Duration::hours(3));
    assert_eq!(res.remaining, Some(Duration::hours(5)));
    // 2h Monday + 3h Tuesday -> Tue 12:00 EDT.
    assert_eq!(res.due, Some(t("2026-03-17T16:00:00Z")));

    // Raising again to critical (4h target) with 4h30 used breaches at once.
    w.at("2026-03-17T14:30:00Z"); // Tue 10:30: 3h + 2h + 1h30 = 6h30 used
    w.desk
        .set_priority(&w.staff, ticket.id, Priority::Critical, "outage spreads")
        .await
        .unwrap();
    let res = *w.status(ticket.id).await.metric(Metric::Resolution);
    assert_eq!(res.state, MetricState::Breached);
    assert_eq!(res.breached_at, Some(t("2026-03-17T14:30:00Z")));
    assert!(
        w.sla_events(ticket.id)
            .await
            .contains(&EventKind::SlaBreached {
                metric: Metric::Resolution,
                cycle: 1,
                due: t("2026-03-17T14:30:00Z")
            })
    );
}

#[tokio::test]
async fn policy_is_rechosen_when_the_category_changes() {
    let w = World::new("2026-03-16T13:00:00Z");
    let ticket = w.open(|n| n).await;
    w.at("2026-03-16T14:00:00Z");
    w.desk
        .update(
            &w.staff,
            ticket.id,
            helpdesk::ticket::TicketUpdate::default().category("outage"),
        )
        .await
        .unwrap();
    let s = w.status(ticket.id).await;
    assert_eq!(s.policy, "round-the-clock");
    let res = s.metric(Metric::Resolution);
    // The hour already used carries over into the new policy's 24h target.
    assert_eq!(res.elapsed, Duration::hours(1));
    assert_eq!(res.due, Some(t("2026-03-17T13:00:00Z")));
    let applied: Vec<_> = w
        .sla_events(ticket.id)
        .await
        .into_iter()
        .filter(|k| matches!(k, EventKind::SlaPolicyApplied { .. }))
        .collect();
    assert_eq!(applied.len(), 2);
}

#[tokio::test]
async fn round_the_clock_counts_midnight_and_fall_back() {
    // Saturday 2026-10-31 12:00 EDT; clocks fall back Sunday 02:00.
    let w = World::new("2026-10-31T16:00:00Z");
    let ticket = w.open(|n| n.category("outage")).await;
    let s = w.status(ticket.id).await;
    assert_eq!(s.policy, "round-the-clock");
    // 24 real hours, though the wall clock shows 23.
    assert_eq!(
        s.metric(Metric::Resolution).due,
        Some(t("2026-11-01T16:00:00Z"))
    );
    w.at("2026-11-01T05:00:00Z"); // Sunday 01:00 EDT, past midnight
    let res = *w.status(ticket.id).await.metric(Metric::Resolution);
    assert_eq!(res.elapsed, Duration::hours(13));
}

#[tokio::test]
async fn office_hours_across_fall_back() {
    let w = World::new("2026-10-30T20:00:00Z"); // Fri 16:00 EDT
    let ticket = w.open(|n| n).await;
    w.desk
        .set_priority(&w.staff, ticket.id, Priority::Critical, "site down")
        .await
        .unwrap();
    let res = *w.status(ticket.id).await.metric(Metric::Resolution);
    // 1h Friday, then Monday 09:00 EST (14:00Z) + 3h.
    assert_eq!(res.due, Some(t("2026-11-02T17:00:00Z")));
    assert_eq!(res.warn_at, Some(t("2026-11-02T16:00:00Z")));
}

#[tokio::test]
async fn round_the_clock_across_spring_forward() {
    let w = World::new("2026-03-08T03:00:00Z"); // Sat 22:00 EST
    let ticket = w.open(|n| n.category("outage")).await;
    let fr = *w.status(ticket.id).await.metric(Metric::FirstResponse);
    assert_eq!(fr.due, Some(t("2026-03-08T11:00:00Z"))); // 07:00 EDT, 8 real hours
}

async fn resolve_and_reopen(w: &World, ticket: TicketId) -> SlaStatus {
    w.at("2026-03-16T17:00:00Z"); // +4h
    w.reply(ticket).await;
    w.move_to(ticket, "resolved").await;
    let res = *w.status(ticket).await.metric(Metric::Resolution);
    assert_eq!(res.state, MetricState::Met);
    assert_eq!(res.met_at, Some(t("2026-03-16T17:00:00Z")));
    w.at("2026-03-16T19:00:00Z"); // +6h: "still broken", Resolved -> Open
    w.message(ticket).await;
    w.at("2026-03-16T20:00:00Z"); // +7h
    w.status(ticket).await
}

#[tokio::test]
async fn reopening_starts_a_new_resolution_cycle() {
    let w = World::new("2026-03-16T13:00:00Z");
    let ticket = w.open(|n| n.category("outage")).await;
    let s = resolve_and_reopen(&w, ticket.id).await;
    let res = s.metric(Metric::Resolution);
    assert_eq!((res.state, res.cycle), (MetricState::Running, 2));
    assert_eq!(res.elapsed, Duration::hours(1));
    assert_eq!(res.due, Some(t("2026-03-17T19:00:00Z"))); // 24h from the reopening
    assert_eq!(res.previous.unwrap().state, MetricState::Met);
    let met = w
        .sla_events(ticket.id)
        .await
        .into_iter()
        .filter(|k| {
            matches!(
                k,
                EventKind::SlaMet {
                    metric: Metric::Resolution,
                    ..
                }
            )
        })
        .count();
    assert_eq!(met, 1);
}

#[tokio::test]
async fn reopening_continues_the_cycle_for_vip() {
    let w = World::new("2026-03-16T13:00:00Z");
    let req = Requester::new(w.customer, "Ada").tier("vip");
    let ticket = w
        .desk
        .open(
            &w.staff,
            NewTicket::new(req, Channel::Phone, "Laptop", "Broken screen."),
        )
        .await
        .unwrap();
    let s = resolve_and_reopen(&w, ticket.id).await;
    assert_eq!(s.policy, "vip");
    let res = s.metric(Metric::Resolution);
    assert_eq!((res.state, res.cycle), (MetricState::Running, 1));
    // 4h before resolution + 1h since the reopening; the 2h resolved do not count.
    assert_eq!(res.elapsed, Duration::hours(5));
    assert_eq!(res.due, Some(t("2026-03-17T01:00:00Z")));
}

#[tokio::test]
async fn without_sla_config_nothing_changes() {
    let w = World::with("2026-03-16T13:00:00Z", None);
    let ticket = w.open(|n| n).await;
    w.reply(ticket.id).await;
    assert!(w.sla_events(ticket.id).await.is_empty());
    assert_eq!(w.desk.store().next_deadline(ticket.id).await.unwrap(), None);
    let ack = w
        .notifier
        .delivered()
        .into_iter()
        .find(|n| n.notification.kind == NotificationKind::Acknowledged)
        .unwrap();
    assert!(!ack.message.text.contains("first response"));
    assert!(w.desk.sla_status(&w.staff, ticket.id).await.is_err());
    assert!(
        w.desk
            .refresh_time_driven(ticket.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn replay_still_equals_the_snapshot() {
    let w = World::new("2026-03-16T13:00:00Z");
    let ticket = w.open(|n| n).await;
    w.at("2026-03-16T18:00:00Z");
    w.desk.refresh_time_driven(ticket.id).await.unwrap();
    w.reply(ticket.id).await;
    let events = w.events(ticket.id).await;
    let stored = w.desk.get(&w.staff, ticket.id).await.unwrap();
    assert_eq!(Ticket::replay(&events).unwrap(), stored);
}

#[tokio::test]
async fn requesters_cannot_read_sla_status() {
    let w = World::new("2026-03-16T13:00:00Z");
    let ticket = w.open(|n| n).await;
    let err = w
        .desk
        .sla_status(&Actor::requester(w.customer), ticket.id)
        .await
        .unwrap_err();
    assert!(matches!(err, helpdesk::Error::Forbidden { .. }));
}

#[tokio::test]
async fn warning_goes_to_the_assignee() {
    let w = World::new("2026-03-10T14:00:00Z"); // Tue 10:00 EDT
    let agent = AgentId::new();
    let ticket = w.open(|n| n.assignee(agent)).await;
    assert_eq!(
        w.desk.store().next_deadline(ticket.id).await.unwrap(),
        Some(t("2026-03-10T14:24:00Z"))
    );
    w.at("2026-03-10T14:25:00Z");
    w.notifier.take();
    w.desk
        .refresh_time_driven(ticket.id)
        .await
        .unwrap()
        .unwrap();
    let sent = w.notifier.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].notification.kind, NotificationKind::SlaWarning);
    assert_eq!(
        sent[0].notification.recipient,
        Recipient::Agent { id: agent }
    );
    assert!(
        sent[0].message.text.contains("Tue 2026-03-10 10:30 EDT"),
        "{}",
        sent[0].message.text
    );
    // The next deadline is now the due itself.
    assert_eq!(
        w.desk.store().next_deadline(ticket.id).await.unwrap(),
        Some(t("2026-03-10T14:30:00Z"))
    );
}

#[tokio::test]
async fn commands_return_the_snapshot_with_the_sla_events_they_caused() {
    let w = World::new("2026-03-16T13:00:00Z");
    let opened = w.open(|n| n).await;
    let stored = w.desk.get(&w.staff, opened.id).await.unwrap();
    assert_eq!(
        opened, stored,
        "open returns what was stored, SLA policy event included"
    );
    assert!(opened.version >= 2);
    let replied = w.desk.reply(&w.staff, opened.id, "On it.").await.unwrap();
    assert_eq!(replied, w.desk.get(&w.staff, opened.id).await.unwrap());
}
