//! The [`ReportStore`] suite: metric rows written with the commit, reports
//! equal to the in-memory fold, arrivals, and backfills.
//!
//! Every `pub async fn` here is a case; the build script puts it into
//! [`report_store_conformance_tests!`](crate::report_store_conformance_tests)
//! and [`store_conformance_tests!`](crate::store_conformance_tests).
//! [`sample_row`] makes varied rows from a seed (the property test that
//! keeps the back ends equal uses it too).

use chrono::{DateTime, Duration, Utc};

use super::{created, note, t0};
use crate::error::ErrorKind;
use crate::id::{AgentId, CustomerId, GroupId, TicketId};
use crate::priority::Priority;
use crate::report::{
    BucketSize, Dimension, Elapsed, MetricRow, ReportQuery, SlaCycles, Span, arrivals, compute,
};
use crate::store::{Commit, ReportStore, TicketStore, TicketWrite};
use crate::survey::Score;
use crate::ticket::{Channel, StatusId, Ticket};

/// A small deterministic generator (SplitMix64), so a seed names a row.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        // `items` is never empty below; the index is within it.
        items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)].clone()
    }
    fn secs(&mut self, max: u64) -> i64 {
        i64::try_from(self.below(max)).unwrap_or(0)
    }
}

/// Agents the sample rows are assigned to (the same ones for every seed,
/// so grouping by agent has groups of several rows).
pub fn sample_agents() -> [AgentId; 2] {
    [
        AgentId::from_uuid(uuid::Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0001,
        )),
        AgentId::from_uuid(uuid::Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0002,
        )),
    ]
}

/// A varied but self-consistent metric row of `ticket`, from `seed`:
/// created within three weeks of [`t0`], in whole seconds; resolved or
/// not, reopened or not; replies, SLA cycles, a rating of any scale and a
/// survey, or none; dimensions drawn from small sets so groups repeat.
pub fn sample_row(ticket: &Ticket, seed: u64) -> MetricRow {
    let mut d = Draw(seed);
    let created_at = t0() + Duration::seconds(d.secs(21 * 86_400));
    let at = |secs: i64| created_at + Duration::seconds(secs);
    let elapsed = |secs: i64, d: &mut Draw| Elapsed {
        calendar_secs: secs,
        business_secs: secs / 3 + d.secs(100),
    };
    let first_reply_secs = (d.below(4) > 0).then(|| d.secs(3 * 86_400));
    let resolved = d.below(3) > 0;
    let reopened = d.below(4) == 0;
    let mut unresolved = vec![Span {
        from: created_at,
        until: None,
    }];
    let (mut first_res, mut latest_res) = (None, None);
    if resolved || reopened {
        let first = d.secs(5 * 86_400) + 1;
        first_res = Some(first);
        latest_res = Some(first);
        unresolved[0].until = Some(at(first));
        if reopened {
            let back = first + d.secs(86_400);
            unresolved.push(Span {
                from: at(back),
                until: None,
            });
            if resolved {
                let again = back + d.secs(86_400) + 1;
                latest_res = Some(again);
                unresolved[1].until = Some(at(again));
            }
        }
    }
    let score = match d.below(6) {
        0 => Some(Score::Good),
        1 => Some(Score::Bad),
        2 => Some(Score::Stars(u8::try_from(1 + d.below(5)).unwrap_or(1))),
        3 => Some(Score::Nps(u8::try_from(d.below(11)).unwrap_or(0))),
        4 => Some(Score::Ces(u8::try_from(1 + d.below(7)).unwrap_or(1))),
        _ => None,
    };
    let survey_cycle = (score.is_some() || d.below(2) == 0).then(|| 1 + u32::from(reopened));
    let rating_cycle = score.map(|_| {
        if d.below(3) == 0 {
            1
        } else {
            1 + u32::from(reopened)
        }
    });
    let base = latest_res.unwrap_or(0);
    let survey_sent_at = survey_cycle.map(|_| at(base + 86_400));
    let rated_at = score.map(|_| at(base + 86_400 + d.secs(86_400)));
    let sla = [(); 4].map(|()| SlaCycles {
        met: u32::try_from(d.below(3)).unwrap_or(0),
        breached: u32::try_from(d.below(2)).unwrap_or(0),
    });
    let status = if resolved { "resolved" } else { "open" };
    MetricRow {
        ticket_id: ticket.id,
        reference: ticket.reference,
        as_of: t0() + Duration::days(30),
        channel: d.pick(&[Channel::Email, Channel::Portal, Channel::Phone]),
        category: d.pick(&[
            None,
            Some("network".to_owned()),
            Some("network/vpn".to_owned()),
            Some("billing".to_owned()),
        ]),
        group: d.pick(&[
            None,
            Some(GroupId::new("network-l1").unwrap_or_else(|_| unreachable!())),
            Some(GroupId::new("billing").unwrap_or_else(|_| unreachable!())),
        ]),
        assignee: d.pick(&[None, Some(sample_agents()[0]), Some(sample_agents()[1])]),
        priority: d.pick(&[
            Priority::Critical,
            Priority::High,
            Priority::Medium,
            Priority::Low,
        ]),
        organization: d.pick(&[None, Some("Acme".to_owned()), Some("Globex".to_owned())]),
        status: StatusId::new(status),
        resolved,
        status_since: unresolved
            .last()
            .map_or(created_at, |s| s.until.unwrap_or(s.from)),
        created_at,
        first_reply_at: first_reply_secs.map(at),
        first_reply: first_reply_secs.map(|s| elapsed(s, &mut d)),
        first_resolved_at: first_res.map(at),
        first_resolution: first_res.map(|s| elapsed(s, &mut d)),
        latest_resolved_at: latest_res.map(at),
        full_resolution: latest_res.map(|s| elapsed(s, &mut d)),
        unresolved,
        reopens: u32::from(reopened),
        agent_replies: u32::try_from(d.below(4)).unwrap_or(0),
        requester_wait: elapsed(d.secs(86_400), &mut d),
        agent_wait: elapsed(d.secs(86_400), &mut d),
        sla,
        survey_cycle,
        survey_sent_at,
        rating: score,
        rating_cycle,
        rated_at,
    }
}

/// Inserts `n` tickets, each with [`sample_row`] of seed `seed + i`, and
/// returns the rows.
pub(crate) async fn insert_sampled<S: TicketStore + ?Sized>(
    store: &S,
    n: u64,
    seed: u64,
) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    for i in 0..n {
        let (t, e) = created(store.next_reference().await.unwrap(), "Sampled");
        let row = sample_row(&t, seed.wrapping_add(i));
        store
            .commit(Commit::tickets(vec![
                TicketWrite::new(t, vec![e], None).metrics(row.clone()),
            ]))
            .await
            .unwrap();
        rows.push(row);
    }
    rows
}

fn week_query(from_day: i64, days: i64, bucket: BucketSize) -> ReportQuery {
    ReportQuery::new(
        t0() + Duration::days(from_day),
        t0() + Duration::days(from_day + days),
        bucket,
    )
}

/// A commit carrying a row stores it with the ticket; a later commit
/// replaces it; one without a row keeps it; a commit that fails stores
/// no row.
pub async fn metric_rows_are_written_with_the_commit<S: TicketStore + ReportStore>(store: &S) {
    let (mut t, e) = created(store.next_reference().await.unwrap(), "VPN drops");
    let first = sample_row(&t, 1);
    store
        .commit(Commit::tickets(vec![
            TicketWrite::new(t.clone(), vec![e], None).metrics(first.clone()),
        ]))
        .await
        .unwrap();
    assert_eq!(store.metric_row(t.id).await.unwrap(), Some(first.clone()));

    let n = note(&mut t, "no row");
    store
        .commit(Commit::tickets(vec![TicketWrite::new(
            t.clone(),
            vec![n],
            Some(1),
        )]))
        .await
        .unwrap();
    assert_eq!(store.metric_row(t.id).await.unwrap(), Some(first.clone()));

    let second = sample_row(&t, 2);
    let base = t.clone();
    let n = note(&mut t, "a new row");
    store
        .commit(Commit::tickets(vec![
            TicketWrite::new(t.clone(), vec![n.clone()], Some(2)).metrics(second.clone()),
        ]))
        .await
        .unwrap();
    assert_eq!(store.metric_row(t.id).await.unwrap(), Some(second.clone()));

    // A stale write (version 2 again) fails, and its row is not stored.
    let mut stale = base;
    let n = note(&mut stale, "stale");
    let err = store
        .commit(Commit::tickets(vec![
            TicketWrite::new(stale.clone(), vec![n], Some(2)).metrics(sample_row(&stale, 3)),
        ]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(store.metric_row(t.id).await.unwrap(), Some(second));
    assert_eq!(store.metric_row(TicketId::new()).await.unwrap(), None);

    // A row of another ticket is refused before anything is written.
    let other = sample_row(&created(store.next_reference().await.unwrap(), "x").0, 4);
    let n = note(&mut t, "wrong row");
    let err = store
        .commit(Commit::tickets(vec![
            TicketWrite::new(t.clone(), vec![n], Some(3)).metrics(other),
        ]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

/// Reports equal the in-memory fold over the stored rows, for every
/// bucket size, grouped and filtered.
pub async fn report_equals_the_fold<S: TicketStore + ReportStore>(store: &S) {
    let rows = insert_sampled(store, 60, 7).await;
    let queries = [
        week_query(-1, 28, BucketSize::Week),
        week_query(0, 21, BucketSize::Day)
            .time_zone(chrono_tz::America::New_York)
            .group_by(Dimension::Group),
        week_query(2, 2, BucketSize::Hour).group_by(Dimension::Agent),
        week_query(-40, 90, BucketSize::Month)
            .group_by(Dimension::Channel)
            .group_by(Dimension::Priority),
        week_query(0, 28, BucketSize::Week)
            .group_by(Dimension::Category)
            .filter(Dimension::Organization, [Some("Acme"), None]),
        week_query(0, 28, BucketSize::Day)
            .group_by(Dimension::Organization)
            .filter(Dimension::Group, [Some("network-l1")])
            .filter(Dimension::Priority, [Some("high"), Some("low")]),
    ];
    for q in &queries {
        let expected = compute(&rows, q).unwrap();
        let got = store.report(q).await.unwrap();
        assert_eq!(got, expected, "{q:?}");
    }
    // Something counted at all (the sample is not empty by accident).
    let total = store.report(&queries[0]).await.unwrap();
    assert!(total.rows.iter().map(|r| r.figures.created).sum::<u64>() > 0);
}

/// An invalid query is a validation error naming the field.
pub async fn invalid_report_query_is_refused<S: TicketStore + ReportStore>(store: &S) {
    let err = store
        .report(&week_query(3, 0, BucketSize::Day))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("period"), "{err}");
    let err = store
        .report(
            &week_query(0, 3, BucketSize::Day)
                .group_by(Dimension::Group)
                .group_by(Dimension::Group),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

/// Arrivals since an instant are the rows created since, oldest first,
/// under their category and organization.
pub async fn arrivals_since_an_instant<S: TicketStore + ReportStore>(store: &S) {
    let mut rows = insert_sampled(store, 30, 99).await;
    let since: DateTime<Utc> = t0() + Duration::days(10);
    rows.retain(|r| r.created_at >= since);
    rows.sort_by_key(|r| (r.created_at, r.ticket_id));
    assert_eq!(store.arrivals(since).await.unwrap(), arrivals(&rows));
}

/// Tickets without rows are listed in id order, in batches; a backfill
/// stores rows only where none is, and only for stored tickets.
pub async fn backfill_fills_only_missing_rows<S: TicketStore + ReportStore>(store: &S) {
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (t, e) = created(store.next_reference().await.unwrap(), "Old");
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        ids.push(t);
    }
    let with_row = insert_sampled(store, 1, 5).await;
    ids.sort_by_key(|t| t.id);
    let all: Vec<TicketId> = ids.iter().map(|t| t.id).collect();
    assert_eq!(
        store.tickets_without_metrics(None, 1000).await.unwrap(),
        all
    );
    assert_eq!(
        store.tickets_without_metrics(None, 2).await.unwrap(),
        all[..2]
    );
    assert_eq!(
        store
            .tickets_without_metrics(Some(all[1]), 2)
            .await
            .unwrap(),
        all[2..4]
    );
    for bad in [0, 1001] {
        let err = store.tickets_without_metrics(None, bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
    }

    // Two missing, one present (kept), one of an unknown ticket (skipped).
    let (ghost, _) = created(store.next_reference().await.unwrap(), "never stored");
    let batch = vec![
        sample_row(&ids[0], 10),
        sample_row(&ids[1], 11),
        sample_row(
            &store.load(with_row[0].ticket_id).await.unwrap().unwrap(),
            12,
        ),
        sample_row(&ghost, 13),
    ];
    assert_eq!(store.backfill_metric_rows(batch.clone()).await.unwrap(), 2);
    assert_eq!(
        store.metric_row(ids[0].id).await.unwrap(),
        Some(batch[0].clone())
    );
    assert_eq!(
        store.metric_row(with_row[0].ticket_id).await.unwrap(),
        Some(with_row[0].clone())
    );
    assert_eq!(store.metric_row(ghost.id).await.unwrap(), None);
    assert_eq!(
        store.tickets_without_metrics(None, 1000).await.unwrap(),
        all[2..]
    );
    // Once more is nothing more.
    assert_eq!(store.backfill_metric_rows(batch).await.unwrap(), 0);
}

/// A survey opt-out is kept per customer from its first instant (opting
/// out again keeps it), is gone after opting back in, and is nobody
/// else's; opting in when not out is no error.
pub async fn survey_opt_outs_are_kept<S: TicketStore + ReportStore>(store: &S) {
    let (ada, bob) = (CustomerId::new(), CustomerId::new());
    assert_eq!(store.survey_opt_out(ada).await.unwrap(), None);
    store.set_survey_opt_out(ada, None).await.unwrap();
    store.set_survey_opt_out(ada, Some(t0())).await.unwrap();
    store
        .set_survey_opt_out(ada, Some(t0() + Duration::days(1)))
        .await
        .unwrap();
    assert_eq!(store.survey_opt_out(ada).await.unwrap(), Some(t0()));
    assert_eq!(store.survey_opt_out(bob).await.unwrap(), None);
    store.set_survey_opt_out(ada, None).await.unwrap();
    assert_eq!(store.survey_opt_out(ada).await.unwrap(), None);
    let later = t0() + Duration::days(2);
    store.set_survey_opt_out(ada, Some(later)).await.unwrap();
    assert_eq!(store.survey_opt_out(ada).await.unwrap(), Some(later));
}
