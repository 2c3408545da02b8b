//! A state-machine test: random command sequences (including forbidden and
//! invalid ones) run against the desk and against a small reference model.
//! After every command: replay equals snapshot, versions only grow (and grow
//! exactly by the events the model expects), every status change in the
//! timeline is an allowed transition, no event is lost, and a rejected
//! command changes nothing at all.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use helpdesk::prelude::*;
use helpdesk::ticket::{EventKind, Lifecycle, LinkKind, StatusId};
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, Error, GroupId, HelpDesk, InMemoryStore, ManualClock,
    NewTicket, Priority, RecordingNotifier, Requester, SplitPart, Ticket, TicketId,
};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy)]
enum Who {
    Owner,
    Stranger,
    Agent,
    Outsider,
    Supervisor,
}

#[derive(Debug, Clone)]
enum Cmd {
    Open,
    Message(Who, usize),
    Reply(Who, usize),
    Note(Who, usize),
    Transition(Who, usize, usize),
    Assign(Who, usize, bool),
    SetPriority(Who, usize, usize),
    Split(Who, usize),
    Merge(Who, usize, usize),
    Link(Who, usize, usize),
    Tick,
}

const STATUSES: [&str; 7] = [
    "new", "open", "pending", "on_hold", "resolved", "closed", "bogus",
];

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        Just(Who::Owner),
        Just(Who::Stranger),
        Just(Who::Agent),
        Just(Who::Outsider),
        Just(Who::Supervisor)
    ]
}

fn cmd() -> impl Strategy<Value = Cmd> {
    let t = 0usize..6;
    prop_oneof![
        2 => Just(Cmd::Open),
        3 => (who(), t.clone()).prop_map(|(w, t)| Cmd::Message(w, t)),
        3 => (who(), t.clone()).prop_map(|(w, t)| Cmd::Reply(w, t)),
        1 => (who(), t.clone()).prop_map(|(w, t)| Cmd::Note(w, t)),
        4 => (who(), t.clone(), 0usize..STATUSES.len()).prop_map(|(w, t, s)| Cmd::Transition(w, t, s)),
        1 => (who(), t.clone(), any::<bool>()).prop_map(|(w, t, b)| Cmd::Assign(w, t, b)),
        1 => (who(), t.clone(), 0usize..4).prop_map(|(w, t, p)| Cmd::SetPriority(w, t, p)),
        1 => (who(), t.clone()).prop_map(|(w, t)| Cmd::Split(w, t)),
        1 => (who(), t.clone(), t.clone()).prop_map(|(w, a, b)| Cmd::Merge(w, a, b)),
        1 => (who(), t.clone(), t).prop_map(|(w, a, b)| Cmd::Link(w, a, b)),
        1 => Just(Cmd::Tick),
    ]
}

/// Staff who may work the group's tickets.
fn works(w: Who) -> bool {
    matches!(w, Who::Agent | Who::Supervisor)
}

/// What the model expects of one ticket.
#[derive(Debug, Clone)]
struct Model {
    status: String,
    events: u64,
}

struct Harness {
    desk: HelpDesk,
    store: Arc<InMemoryStore>,
    clock: Arc<ManualClock>,
    lifecycle: Lifecycle,
    owner: CustomerId,
    actors: HashMap<&'static str, Actor>,
    agent_id: AgentId,
    tickets: Vec<TicketId>,
    model: HashMap<TicketId, Model>,
}

impl Harness {
    fn new() -> Self {
        let store = Arc::new(InMemoryStore::new());
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap(),
        ));
        let desk = HelpDesk::builder()
            .store(store.clone())
            .notifier(Arc::new(RecordingNotifier::new()))
            .clock(clock.clone())
            .build()
            .unwrap();
        let owner = CustomerId::new();
        let agent_id = AgentId::new();
        let group = GroupId::new("desk").unwrap();
        let actors = HashMap::from([
            ("owner", Actor::requester(owner)),
            ("stranger", Actor::requester(CustomerId::new())),
            ("agent", Actor::agent(agent_id, [group])),
            (
                "outsider",
                Actor::agent(AgentId::new(), [GroupId::new("elsewhere").unwrap()]),
            ),
            ("supervisor", Actor::supervisor(AgentId::new())),
        ]);
        Harness {
            desk,
            store,
            clock,
            lifecycle: Lifecycle::default(),
            owner,
            actors,
            agent_id,
            tickets: vec![],
            model: HashMap::new(),
        }
    }

    fn actor(&self, w: Who) -> &Actor {
        &self.actors[match w {
            Who::Owner => "owner",
            Who::Stranger => "stranger",
            Who::Agent => "agent",
            Who::Outsider => "outsider",
            Who::Supervisor => "supervisor",
        }]
    }

    fn ticket(&self, i: usize) -> Option<TicketId> {
        (!self.tickets.is_empty()).then(|| self.tickets[i % self.tickets.len()])
    }

    async fn snapshot(&self) -> Vec<(Ticket, usize)> {
        let mut out = Vec::new();
        for id in &self.tickets {
            out.push((
                self.store.load(*id).await.unwrap().unwrap(),
                self.store.timeline(*id).await.unwrap().len(),
            ));
        }
        out
    }

    fn new_ticket(&self) -> NewTicket {
        NewTicket::new(
            Requester::new(self.owner, "Owner"),
            Channel::Portal,
            "Something broke",
            "details",
        )
        .group(GroupId::new("desk").unwrap())
    }

    fn track_new(&mut self, t: &Ticket, events: u64) {
        self.tickets.push(t.id);
        self.model.insert(
            t.id,
            Model {
                status: t.status.to_string(),
                events,
            },
        );
    }

    fn bump(&mut self, id: TicketId, n: u64, status: Option<&str>) {
        let m = self.model.get_mut(&id).unwrap();
        m.events += n;
        if let Some(s) = status {
            s.clone_into(&mut m.status);
        }
    }

    /// Runs one command, predicting its outcome with the model.
    async fn run(&mut self, cmd: &Cmd) {
        let before = self.snapshot().await;
        let expect_ok: bool;
        let result: Result<(), Error>;
        match *cmd {
            Cmd::Tick => {
                self.clock.advance(Duration::minutes(7));
                return;
            }
            Cmd::Open => {
                let mine = self
                    .desk
                    .portal(self.owner)
                    .open(self.new_ticket())
                    .await
                    .unwrap();
                let t = self.store.load(mine.id).await.unwrap().unwrap();
                self.track_new(&t, 1);
                return;
            }
            Cmd::Message(w, i) => {
                let Some(id) = self.ticket(i) else { return };
                let status = self.model[&id].status.clone();
                let ok = matches!(w, Who::Owner | Who::Agent | Who::Supervisor);
                // Customers write through the portal, staff log messages.
                let r = match self.actor(w) {
                    Actor::Requester { id: customer } => self
                        .desk
                        .portal(*customer)
                        .message(id, "more info", Channel::Email)
                        .await
                        .map(|t| t.id),
                    staff => self
                        .desk
                        .add_message(staff, id, "more info", Channel::Email)
                        .await
                        .map(|t| t.id),
                };
                expect_ok = ok;
                if let (true, Ok(new_id)) = (ok, &r) {
                    if status == "closed" {
                        assert_ne!(
                            *new_id, id,
                            "a message to a closed ticket opens a follow-up"
                        );
                        let t = self.store.load(*new_id).await.unwrap().unwrap();
                        self.track_new(&t, 1);
                        self.bump(id, 1, None);
                    } else {
                        let to = self
                            .lifecycle
                            .on_customer_message
                            .get(&StatusId::new(&status))
                            .map(ToString::to_string);
                        self.bump(id, 1 + u64::from(to.is_some()), to.as_deref());
                    }
                }
                result = r.map(|_| ());
            }
            Cmd::Reply(w, i) | Cmd::Note(w, i) => {
                let Some(id) = self.ticket(i) else { return };
                let is_reply = matches!(cmd, Cmd::Reply(..));
                let r = if is_reply {
                    self.desk.reply(self.actor(w), id, "answer").await
                } else {
                    self.desk.note(self.actor(w), id, "note").await
                };
                expect_ok = works(w);
                if expect_ok {
                    let status = self.model[&id].status.clone();
                    let auto = if is_reply {
                        self.lifecycle
                            .on_agent_reply
                            .get(&StatusId::new(&status))
                            .map(ToString::to_string)
                    } else {
                        None
                    };
                    self.bump(id, 1 + u64::from(auto.is_some()), auto.as_deref());
                }
                result = r.map(|_| ());
            }
            Cmd::Transition(w, i, s) => {
                let Some(id) = self.ticket(i) else { return };
                let to = STATUSES[s];
                let from = self.model[&id].status.clone();
                let allowed = self
                    .lifecycle
                    .check(StatusId::new(&from), &StatusId::new(to))
                    .is_ok();
                let r = self.desk.transition(self.actor(w), id, to, None).await;
                expect_ok = works(w) && allowed;
                if expect_ok {
                    self.bump(id, 1, Some(to));
                } else if works(w) {
                    assert!(
                        matches!(
                            r,
                            Err(Error::InvalidTransition { .. } | Error::UnknownStatus { .. })
                        ),
                        "{r:?}"
                    );
                }
                result = r.map(|_| ());
            }
            Cmd::Assign(w, i, to_me) => {
                let Some(id) = self.ticket(i) else { return };
                let target = to_me.then_some(self.agent_id);
                let current = before.iter().find(|(t, _)| t.id == id).unwrap().0.assignee;
                let r = self.desk.assign(self.actor(w), id, target).await;
                expect_ok = works(w);
                if expect_ok && current != target {
                    self.bump(id, 1, None);
                }
                result = r.map(|_| ());
            }
            Cmd::SetPriority(w, i, p) => {
                let Some(id) = self.ticket(i) else { return };
                let r = self
                    .desk
                    .set_priority(self.actor(w), id, Priority::ALL[p], "judgement")
                    .await;
                expect_ok = works(w);
                if expect_ok {
                    self.bump(id, 1, None);
                }
                result = r.map(|_| ());
            }
            Cmd::Split(w, i) => {
                let Some(id) = self.ticket(i) else { return };
                let r = self
                    .desk
                    .split(self.actor(w), id, vec![SplitPart::new("part", "one part")])
                    .await;
                expect_ok = works(w);
                if let (true, Ok(kids)) = (expect_ok, &r) {
                    for k in kids {
                        self.track_new(k, 1);
                    }
                    self.bump(id, 1, None);
                }
                result = r.map(|_| ());
            }
            Cmd::Merge(w, a, b) => {
                let (Some(a), Some(b)) = (self.ticket(a), self.ticket(b)) else {
                    return;
                };
                let src = before.iter().find(|(t, _)| t.id == a).map(|x| x.0.clone());
                let already = src
                    .as_ref()
                    .is_some_and(|t| t.links_of(LinkKind::DuplicateOf).next().is_some());
                let target_final = self.model[&b].status == "closed";
                let r = self.desk.merge(self.actor(w), a, b).await;
                expect_ok = works(w) && a != b && !already && !target_final;
                if expect_ok {
                    let closes = self.model[&a].status != "closed";
                    self.bump(a, 1 + u64::from(closes), Some("closed"));
                    self.bump(b, 1, None);
                }
                result = r.map(|_| ());
            }
            Cmd::Link(w, a, b) => {
                let (Some(a), Some(b)) = (self.ticket(a), self.ticket(b)) else {
                    return;
                };
                let has = |x: TicketId, kind: LinkKind, y: TicketId| {
                    before
                        .iter()
                        .find(|(t, _)| t.id == x)
                        .is_some_and(|(t, _)| t.links_of(kind).any(|z| z == y))
                };
                let (fwd, back) = (has(a, LinkKind::Related, b), has(b, LinkKind::Related, a));
                let r = self.desk.link(self.actor(w), a, LinkKind::Related, b).await;
                expect_ok = works(w) && a != b;
                if expect_ok {
                    self.bump(a, u64::from(!fwd), None);
                    self.bump(b, u64::from(!back), None);
                }
                result = r.map(|_| ());
            }
        }
        assert_eq!(result.is_ok(), expect_ok, "{cmd:?} gave {result:?}");
        if !expect_ok {
            let after = self.snapshot().await;
            assert_eq!(
                before.len(),
                after.len(),
                "a rejected command must not create tickets"
            );
            for ((b, bn), (a, an)) in before.iter().zip(&after) {
                assert_eq!(b, a, "a rejected command changed a ticket");
                assert_eq!(bn, an, "a rejected command added events");
            }
        }
        self.check(&before).await;
    }

    async fn check(&self, before: &[(Ticket, usize)]) {
        for id in &self.tickets {
            let stored = self.store.load(*id).await.unwrap().unwrap();
            let events = self.store.timeline(*id).await.unwrap();
            assert_eq!(
                Ticket::replay(&events).unwrap(),
                stored,
                "replay == snapshot"
            );
            let m = &self.model[id];
            assert_eq!(
                stored.version, m.events,
                "no event lost or invented for {id}"
            );
            assert_eq!(
                stored.status.as_str(),
                m.status,
                "status as the model expects"
            );
            if let Some((b, _)) = before.iter().find(|(t, _)| t.id == *id) {
                assert!(stored.version >= b.version, "versions never go back");
            }
            for (i, e) in events.iter().enumerate() {
                assert_eq!(e.seq, i as u64 + 1);
                if let EventKind::StatusChanged { from, to, .. } = &e.kind {
                    self.lifecycle
                        .check(from.clone(), to)
                        .expect("every status change is an allowed transition");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_every_invariant(cmds in prop::collection::vec(cmd(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let mut h = Harness::new();
            h.run(&Cmd::Open).await;
            for c in &cmds {
                h.run(c).await;
            }
        });
    }
}
