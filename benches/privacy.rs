//! The cost of encryption at rest per command.
//!
//! `privacy/<back end>/<plain|encrypted>`: one desk command (a customer
//! message on an open ticket, which seals the body, the new snapshot's
//! requester, description and fields, and the notification) on a desk
//! without a key provider and on one with [`LocalKeyProvider`], over the
//! same kind of store, in the same run. The summary printed last gives
//! each back end's median per command and the ratio
//! `plain time / encrypted time`: the throughput encryption keeps
//! (target: at least 85%).

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use helpdesk::privacy::LocalKeyProvider;
use helpdesk::store::{PrivacyStore, SqliteStore};
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, HelpDesk, InMemoryStore, NewTicket, Requester, Store,
    TicketId,
};
use tokio::runtime::Runtime;

struct Case {
    name: String,
    desk: HelpDesk,
    tickets: Vec<TicketId>,
    agent: Actor,
}

async fn case(name: &str, store: Arc<dyn Store>, keys: Option<Arc<dyn PrivacyStore>>) -> Case {
    let mut b = HelpDesk::builder().store(store);
    if let Some(keys) = keys {
        b = b.privacy(keys, Arc::new(LocalKeyProvider::from_bytes([3; 32])));
    }
    let desk = b.build().unwrap();
    let agent = Actor::supervisor(AgentId::new());
    let mut tickets = Vec::new();
    // Several requesters, each with a few tickets: keys are cached per requester.
    for i in 0..50 {
        let who = CustomerId::new();
        let t = desk
            .open(
                &agent,
                NewTicket::new(
                    Requester::new(who, format!("Customer {i}"))
                        .email(format!("customer{i}@example.com"))
                        .phone("+1 555 0100")
                        .organization("Example Corp"),
                    Channel::Email,
                    "VPN drops every hour",
                    "Since Monday the VPN disconnects hourly; my laptop is a T14s.",
                )
                .field("laptop", "T14s"),
            )
            .await
            .unwrap();
        tickets.push(t.id);
    }
    Case {
        name: name.to_owned(),
        desk,
        tickets,
        agent,
    }
}

async fn command(c: &Case, n: usize) {
    let id = c.tickets[n % c.tickets.len()];
    c.desk
        .add_message(
            &c.agent,
            id,
            "It dropped again at 10:02, right after the update.",
            Channel::Email,
        )
        .await
        .unwrap();
}

/// The median time per command of `rounds` rounds of `per_round` commands.
fn median_per_command(rt: &Runtime, c: &Case, rounds: usize, per_round: usize) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|r| {
            let start = Instant::now();
            rt.block_on(async {
                for n in 0..per_round {
                    command(c, r * per_round + n).await;
                }
            });
            start.elapsed() / u32::try_from(per_round).unwrap()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn bench(cr: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases = rt.block_on(async {
        let plain_sqlite = Arc::new(
            SqliteStore::open(dir.path().join("plain.db"))
                .await
                .unwrap(),
        );
        let enc_sqlite = Arc::new(SqliteStore::open(dir.path().join("enc.db")).await.unwrap());
        let enc_memory = Arc::new(InMemoryStore::new());
        vec![
            (
                case("memory/plain", Arc::new(InMemoryStore::new()), None).await,
                case("memory/encrypted", enc_memory.clone(), Some(enc_memory)).await,
            ),
            (
                case("sqlite/plain", plain_sqlite, None).await,
                case("sqlite/encrypted", enc_sqlite.clone(), Some(enc_sqlite)).await,
            ),
        ]
    });
    let mut group = cr.benchmark_group("privacy");
    for (plain, encrypted) in &cases {
        for c in [plain, encrypted] {
            let mut n = 0;
            group.bench_function(&c.name, |b| {
                b.iter(|| {
                    n += 1;
                    rt.block_on(command(c, n));
                });
            });
        }
    }
    group.finish();

    println!("\nencryption at rest, per command (median of 15 rounds of 200, alternating):");
    for (plain, encrypted) in &cases {
        // Alternate the two so drift (page cache, file growth) hits both alike.
        let (mut p, mut e) = (Vec::new(), Vec::new());
        for _ in 0..15 {
            p.push(median_per_command(&rt, plain, 1, 200));
            e.push(median_per_command(&rt, encrypted, 1, 200));
        }
        p.sort();
        e.sort();
        let (p, e) = (p[p.len() / 2], e[e.len() / 2]);
        println!(
            "  {:<8} plain {:>9.1?}  encrypted {:>9.1?}  throughput kept {:>5.1}%",
            plain.name.split('/').next().unwrap_or(""),
            p,
            e,
            100.0 * p.as_secs_f64() / e.as_secs_f64()
        );
    }
}

#[allow(missing_docs)]
mod group {
    use super::{Criterion, Duration, bench, criterion_group};
    criterion_group! {
        name = benches;
        config = Criterion::default()
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .sample_size(30);
        targets = bench
    }
}

fn main() {
    group::benches();
    Criterion::default().configure_from_args().final_summary();
}
