//! What firing a level records: pure, given the choices that need the store.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::{
    EscalationAction, EscalationLevel, EscalationPolicy, NotifyTarget, PlannedLevel, Raise,
    ReassignTarget, Supervisor,
};
use crate::classify::Classifier;
use crate::id::GroupId;
use crate::priority::PriorityOrigin;
use crate::routing::{AgentChoice, GroupDef, RoutingConfig};
use crate::ticket::decide::NewEvent;
use crate::ticket::{EventActor, EventKind, FieldChange, Recipient, Ticket};

/// What firing a level needs besides the ticket and the level.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct FireContext<'a> {
    /// Groups, leads and tiers.
    pub routing: Option<&'a RoutingConfig>,
    /// Who `notify = ["supervisor"]` reaches.
    pub supervisor: Option<&'a Supervisor>,
    /// For the labels in a raised priority's explanation.
    pub classifier: &'a Classifier,
    /// The assignee chosen in the group the level moves the ticket to
    /// ([`reassign_target`]), by that group's strategy; `None` leaves it in
    /// the queue.
    pub pick: Option<&'a AgentChoice>,
}

impl<'a> FireContext<'a> {
    /// A context with no assignee picked (a move leaves the ticket in the
    /// new group's queue; see [`pick`](Self::pick)).
    pub fn new(
        routing: Option<&'a RoutingConfig>,
        supervisor: Option<&'a Supervisor>,
        classifier: &'a Classifier,
    ) -> Self {
        FireContext {
            routing,
            supervisor,
            classifier,
            pick: None,
        }
    }

    /// The assignee picked in the group the level moves the ticket to.
    pub fn pick(mut self, pick: Option<&'a AgentChoice>) -> Self {
        self.pick = pick;
        self
    }
}

/// The group a level moves `ticket` to, if it moves it: the caller picks
/// an assignee there (that needs the agents' loads) and passes the choice
/// to [`fire`].
pub fn reassign_target<'r>(
    level: &EscalationLevel,
    ticket: &Ticket,
    routing: Option<&'r RoutingConfig>,
) -> Option<&'r GroupDef> {
    let routing = routing?;
    level.actions.iter().find_map(|a| match a {
        EscalationAction::Reassign(t) => target_group(t, ticket, routing),
        _ => None,
    })
}

fn target_group<'r>(
    target: &ReassignTarget,
    ticket: &Ticket,
    routing: &'r RoutingConfig,
) -> Option<&'r GroupDef> {
    match target {
        ReassignTarget::NextTier => routing.next_tier(ticket.group.as_ref()?),
        ReassignTarget::Group(g) => routing.group(g),
    }
}

/// The events firing `level` of `policy` records on `ticket`: its actions'
/// effects in order (each seeing the ones before it), by the system, then
/// the `Escalated` event saying what was done and whom to notify.
pub fn fire(
    ticket: &Ticket,
    policy: &EscalationPolicy,
    level: &EscalationLevel,
    planned: &PlannedLevel,
    ctx: &FireContext<'_>,
) -> Vec<NewEvent> {
    // Each action sees the ticket as the ones before it left it. The copy
    // that needs is made only when an action records something another
    // action comes after: most levels do one thing.
    let mut t = Cow::Borrowed(ticket);
    let mut out = Vec::new();
    let mut record = |t: &mut Cow<'_, Ticket>, more: bool, kind: EventKind| {
        if more {
            t.to_mut().fold(&kind);
        }
        out.push(NewEvent {
            actor: EventActor::System,
            kind,
        });
    };
    let mut done = Vec::new();
    let mut notified: Vec<Recipient> = Vec::new();
    for (i, action) in level.actions.iter().enumerate() {
        let more = i + 1 < level.actions.len();
        match action {
            EscalationAction::Notify(targets) => {
                for target in targets {
                    match recipient(target, &t, ctx) {
                        Some(r) if !notified.contains(&r) => notified.push(r),
                        Some(_) => {}
                        None => done.push(format!("nobody to notify as {}", target_name(target))),
                    }
                }
            }
            EscalationAction::Reassign(target) => {
                let Some(routing) = ctx.routing else {
                    done.push("not moved: no routing configuration".into());
                    continue;
                };
                let Some(to) = target_group(target, &t, routing) else {
                    done.push("not moved: the group has no next tier".into());
                    continue;
                };
                if t.group.as_ref() == Some(&to.id) {
                    done.push(format!("already in {}", to.id));
                    continue;
                }
                let from = group_name(t.group.as_ref());
                let pick = ctx.pick.filter(|c| c.group == to.id);
                let how = pick.map_or("left in the queue", |c| c.reason.as_str());
                record(
                    &mut t,
                    more,
                    EventKind::Routed {
                        group: Some(to.id.clone()),
                        assignee: pick.map(|c| c.agent),
                        reason: format!("escalation `{}`: moved from {from}; {how}", level.name),
                    },
                );
                done.push(format!("moved from {from} to {}", to.id));
            }
            EscalationAction::RaisePriority(raise) => {
                let from = t.priority;
                let to = match raise {
                    Raise::OneStep => from.raised(),
                    // More urgent sorts first, so the more urgent of the two is the min.
                    Raise::To(p) => (*p).min(from),
                };
                if to == from {
                    done.push(format!("priority already {from}"));
                    continue;
                }
                let origin = PriorityOrigin::Escalation {
                    level: level.name.clone(),
                };
                let explanation = format!("priority {} {origin}", ctx.classifier.label(to));
                record(
                    &mut t,
                    more,
                    EventKind::PriorityChanged {
                        from,
                        to,
                        origin,
                        explanation,
                    },
                );
                done.push(format!("priority raised from {from} to {to}"));
            }
            EscalationAction::AddTag(tag) => {
                if !t.tags.contains(tag) {
                    record(
                        &mut t,
                        more,
                        EventKind::FieldChanged {
                            change: FieldChange::Tags {
                                added: BTreeSet::from([tag.clone()]),
                                removed: BTreeSet::new(),
                            },
                        },
                    );
                    done.push(format!("tagged `{tag}`"));
                }
            }
            EscalationAction::AddWatcher(agent) => {
                if !t.watchers.contains(agent) {
                    record(&mut t, more, EventKind::WatcherAdded { agent: *agent });
                    done.push(format!("agent {agent} watches"));
                }
            }
        }
    }
    out.push(NewEvent {
        actor: EventActor::System,
        kind: EventKind::Escalated {
            level: level.name.clone(),
            policy: policy.name.clone(),
            cycle: planned.cycle,
            actions: done,
            notified,
            manual: false,
            reason: level.trigger.describe(),
            due: Some(planned.fire_at),
        },
    });
    out
}

/// What escalating `ticket` by hand to the group `next` records: the move
/// (to `pick`, or left in the queue), then an `Escalated` event by `actor`
/// with the reason, notifying the group's lead. `cycle` is the ticket's
/// resolution cycle.
pub fn escalate_by_hand(
    ticket: &Ticket,
    next: &GroupDef,
    pick: Option<&AgentChoice>,
    unassigned: &str,
    cycle: u32,
    reason: &str,
    actor: EventActor,
) -> Vec<NewEvent> {
    let from = group_name(ticket.group.as_ref());
    let how = pick.map_or(unassigned, |c| c.reason.as_str());
    vec![
        NewEvent {
            actor,
            kind: EventKind::Routed {
                group: Some(next.id.clone()),
                assignee: pick.map(|c| c.agent),
                reason: format!("escalated by hand from {from}: {how}"),
            },
        },
        NewEvent {
            actor,
            kind: EventKind::Escalated {
                level: "manual".into(),
                policy: String::new(),
                cycle,
                actions: vec![format!("moved from {from} to {}", next.id)],
                notified: next
                    .lead
                    .map(|id| Recipient::Agent { id })
                    .into_iter()
                    .collect(),
                manual: true,
                reason: reason.to_owned(),
                due: None,
            },
        },
    ]
}

fn group_name(g: Option<&GroupId>) -> String {
    g.map_or_else(|| "no group".to_owned(), ToString::to_string)
}

fn recipient(target: &NotifyTarget, ticket: &Ticket, ctx: &FireContext<'_>) -> Option<Recipient> {
    match target {
        NotifyTarget::Assignee => ticket.assignee.map(|id| Recipient::Agent { id }),
        NotifyTarget::GroupLead => {
            let lead = ctx.routing?.group(ticket.group.as_ref()?)?.lead?;
            Some(Recipient::Agent { id: lead })
        }
        NotifyTarget::Supervisor => match ctx.supervisor? {
            Supervisor::Agent(id) => Some(Recipient::Agent { id: *id }),
            Supervisor::Address(a) => Some(Recipient::Address { address: a.clone() }),
        },
        NotifyTarget::Requester => Some(Recipient::Requester {
            id: ticket.requester.id,
            email: ticket.requester.email.clone(),
        }),
        NotifyTarget::Group => ticket.group.clone().map(|id| Recipient::Group { id }),
        NotifyTarget::Address(a) => Some(Recipient::Address { address: a.clone() }),
    }
}

fn target_name(t: &NotifyTarget) -> &str {
    match t {
        NotifyTarget::Assignee => "assignee",
        NotifyTarget::GroupLead => "group lead",
        NotifyTarget::Supervisor => "supervisor",
        NotifyTarget::Requester => "requester",
        NotifyTarget::Group => "group",
        NotifyTarget::Address(a) => a,
    }
}
