//! A ticket's life through `HelpDesk` on the in-memory store: open, two
//! customer messages, two replies, resolve (6 commands). Target: at least
//! 200,000 commands per second on one thread.
//!
//! Run: `cargo bench --bench desk`

#![allow(missing_docs)] // criterion's macros generate undocumented functions

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, Delivery, GroupId, HelpDesk, InMemoryStore, NewTicket,
    Notifier, Requester,
};

/// Accepts and drops notifications, so the bench measures the desk, not a transport.
#[derive(Debug)]
struct Discard;

#[async_trait]
impl Notifier for Discard {
    async fn deliver(&self, _: &Delivery<'_>) -> helpdesk::Result<()> {
        Ok(())
    }
}

const COMMANDS_PER_LIFE: u64 = 6;

async fn life(desk: &HelpDesk, requester: &Requester, agent: &Actor, group: &GroupId) {
    let customer = desk.portal(requester.id);
    let t = customer
        .open(
            NewTicket::new(
                requester.clone(),
                Channel::Email,
                "VPN drops every hour",
                "Since Monday.",
            )
            .group(group.clone()),
        )
        .await
        .expect("open");
    customer
        .message(t.id, "It happened again at 10:00", Channel::Email)
        .await
        .expect("message");
    desk.reply(agent, t.id, "Please send the client log")
        .await
        .expect("reply");
    customer
        .message(t.id, "Log attached", Channel::Email)
        .await
        .expect("message");
    desk.reply(agent, t.id, "Fixed: new VPN profile pushed")
        .await
        .expect("reply");
    desk.transition(agent, t.id, "resolved", Some("profile updated"))
        .await
        .expect("resolve");
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    // With metric rows (what a desk with reports writes on every commit),
    // and without them, in the same run: their cost is the difference.
    let desk = HelpDesk::builder()
        .backend(Arc::new(InMemoryStore::new()))
        .notifier(Arc::new(Discard))
        .build()
        .expect("desk");
    let without_rows = HelpDesk::builder()
        .store(Arc::new(InMemoryStore::new()))
        .notifier(Arc::new(Discard))
        .build()
        .expect("desk");
    let customer_id = CustomerId::new();
    let requester = Requester::new(customer_id, "Ada").email("ada@example.com");
    let group = GroupId::new("service-desk").expect("group");
    let agent = Actor::agent(AgentId::new(), [group.clone()]);

    let mut g = c.benchmark_group("desk");
    g.throughput(Throughput::Elements(COMMANDS_PER_LIFE));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("ticket_life_6_commands", |b| {
        b.iter(|| rt.block_on(life(&desk, &requester, &agent, &group)));
    });
    g.bench_function("ticket_life_6_commands_without_metric_rows", |b| {
        b.iter(|| rt.block_on(life(&without_rows, &requester, &agent, &group)));
    });
    g.finish();

    // A plain figure for README: commands per second over a fixed run.
    // DESK_LIVES shortens the run for profilers (callgrind counts instructions).
    let lives: u64 = std::env::var("DESK_LIVES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    for (name, desk) in [("desk", &desk), ("desk without metric rows", &without_rows)] {
        let start = Instant::now();
        rt.block_on(async {
            for _ in 0..lives {
                life(desk, &requester, &agent, &group).await;
            }
        });
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{name}: {lives} ticket lives, {} commands in {secs:.3} s = {:.0} commands/s on one thread",
            lives * COMMANDS_PER_LIFE,
            (lives * COMMANDS_PER_LIFE) as f64 / secs
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
