//! Every command runs in a `helpdesk.command` span naming the command, the
//! ticket, the actor's kind and the outcome; `run_due` and
//! `dispatch_pending` have spans of their own. The library installs no
//! subscriber: this test installs a small recording one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use helpdesk::{
    Actor, AgentId, Channel, CustomerId, HelpDesk, NewTicket, RecordingNotifier, Requester,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A span as the recorder saw it: its name and fields as text.
#[derive(Debug, Clone, Default)]
struct Seen {
    name: &'static str,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Recorder {
    spans: Mutex<Vec<Seen>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut seen = Seen {
            name: span.metadata().name(),
            ..Seen::default()
        };
        span.record(&mut Fields(&mut seen.fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push(seen);
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let i = usize::try_from(span.into_u64()).unwrap() - 1;
        values.record(&mut Fields(&mut spans[i].fields));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn commands_run_due_and_dispatch_are_traced_with_their_outcome() {
    let recorder = Arc::new(Recorder::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(recorder.clone(), || {
        rt.block_on(async {
            let desk = HelpDesk::builder()
                .notifier(Arc::new(RecordingNotifier::new()))
                .build()
                .unwrap();
            let ada = CustomerId::new();
            let t = desk
                .portal(ada)
                .open(NewTicket::new(
                    Requester::new(ada, "Ada"),
                    Channel::Portal,
                    "VPN",
                    "...",
                ))
                .await
                .unwrap();
            let agent = Actor::agent(AgentId::new(), []);
            desk.reply(&agent, t.id, "On it").await.unwrap();
            desk.transition(&agent, t.id, "bogus", None)
                .await
                .unwrap_err();
            desk.run_due(chrono::Utc::now(), 10).await.unwrap();
            desk.dispatch_pending().await.unwrap();
            t.id
        })
    });
    let spans = recorder.spans.lock().unwrap().clone();
    let commands: Vec<&Seen> = spans
        .iter()
        .filter(|s| s.name == "helpdesk.command")
        .collect();
    let view = |s: &Seen, k: &str| s.fields.get(k).cloned().unwrap_or_default();
    assert_eq!(
        commands
            .iter()
            .map(|s| (view(s, "command"), view(s, "actor"), view(s, "outcome")))
            .collect::<Vec<_>>(),
        [
            ("open".into(), "requester".into(), "ok".into()),
            ("reply".into(), "agent".into(), "ok".into()),
            (
                "transition".into(),
                "agent".into(),
                "InvalidTransition".into()
            ),
        ]
    );
    assert!(!view(commands[1], "ticket").is_empty(), "{commands:?}");
    assert!(
        spans
            .iter()
            .any(|s| s.name == "helpdesk.run_due" && view(s, "claimed") == "0")
    );
    assert!(spans.iter().any(|s| s.name == "helpdesk.dispatch_pending"));
}
