//! Article rules, given / when / then, without a store.

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use crate::access::{Action, Actor, ActorKind};
use crate::error::{Error, ErrorKind};
use crate::id::{AgentId, CustomerId, EventId, TicketId};
use crate::ticket::EventActor;

use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn locale(s: &str) -> Locale {
    s.parse().unwrap()
}

fn cat(s: &str) -> CategoryId {
    CategoryId::new(s).unwrap()
}

fn tree() -> CategoryTree {
    let mut t = CategoryTree::new();
    t.add_category(cat("network"), "Network").unwrap();
    t.add_section(cat("vpn"), "VPN", &cat("network")).unwrap();
    t.add_category(cat("printing"), "Printing").unwrap();
    t
}

/// The history of one article, built command by command, with the
/// replay checked after every step.
struct Given {
    tree: CategoryTree,
    article: Option<Article>,
    history: Vec<ArticleEvent>,
    clock: DateTime<Utc>,
    ids: u128,
}

impl Given {
    fn new() -> Self {
        Given {
            tree: tree(),
            article: None,
            history: Vec::new(),
            clock: t0(),
            ids: 0,
        }
    }

    fn ctx<'a>(&mut self, actor: &'a Actor, tree: &'a CategoryTree) -> KbContext<'a> {
        self.clock += Duration::minutes(1);
        self.ids += 1;
        KbContext::new(actor, self.clock)
            .with_ids(
                ArticleId::from_uuid(Uuid::from_u128(1)),
                EventId::from_uuid(Uuid::from_u128(self.ids)),
            )
            .with_categories(tree)
    }

    /// Decides and applies; returns the new events.
    #[allow(clippy::needless_pass_by_value)] // commands are written inline in each test
    fn when(&mut self, actor: &Actor, command: ArticleCommand) -> Result<Vec<ArticleEvent>, Error> {
        let tree = self.tree.clone();
        let ctx = self.ctx(actor, &tree);
        let (article, events) = execute(self.article.clone(), &command, &ctx)?;
        self.history.extend(events.iter().cloned());
        assert_eq!(Article::replay(&self.history).unwrap(), article);
        assert_eq!(article.version, self.history.len() as u64);
        self.article = Some(article);
        Ok(events)
    }

    fn ok(mut self, actor: &Actor, command: ArticleCommand) -> Self {
        self.when(actor, command).unwrap();
        self
    }

    fn article(&self) -> &Article {
        self.article.as_ref().unwrap()
    }
}

fn agent() -> Actor {
    Actor::agent(AgentId::from_uuid(Uuid::from_u128(10)), [])
}
fn lead() -> Actor {
    Actor::supervisor(AgentId::from_uuid(Uuid::from_u128(11)))
}
fn ada() -> Actor {
    Actor::requester(CustomerId::from_uuid(Uuid::from_u128(12)))
}

fn create() -> ArticleCommand {
    ArticleCommand::CreateDraft(
        NewArticle::new(
            cat("vpn"),
            ArticleKind::Troubleshooting,
            locale("en"),
            "  The VPN drops every hour ",
            "Install the **new profile**.",
        )
        .tag("VPN")
        .source_ticket(TicketId::from_uuid(Uuid::from_u128(99))),
    )
}

fn edit(title: &str, body: &str) -> ArticleCommand {
    ArticleCommand::Edit {
        locale: locale("en"),
        title: title.into(),
        body: body.into(),
    }
}

fn forbidden(e: &Error, actor: ActorKind) -> bool {
    matches!(e, Error::Forbidden { actor: a, action: Action::Update, ticket: None } if *a == actor)
}

#[test]
fn an_agent_creates_a_draft_with_its_first_version() {
    let g = Given::new().ok(&agent(), create());
    let a = g.article();
    assert_eq!(a.state, ArticleState::Draft);
    assert_eq!(a.tags.iter().collect::<Vec<_>>(), ["vpn"]);
    assert_eq!(
        a.source_ticket,
        Some(TicketId::from_uuid(Uuid::from_u128(99)))
    );
    let v = a.translation(&locale("en")).unwrap().latest();
    assert_eq!(
        (v.revision, v.title.as_str()),
        (1, "The VPN drops every hour")
    );
    assert_eq!(v.author, agent().event_actor());
    assert_eq!(a.created_by, agent().event_actor());
}

#[test]
fn requesters_cannot_write() {
    let mut g = Given::new();
    let e = g.when(&ada(), create()).unwrap_err();
    assert!(forbidden(&e, ActorKind::Requester), "{e}");
}

#[test]
fn creating_checks_the_category_and_the_texts() {
    let mut g = Given::new();
    let bad = |category: &str, title: &str, body: &str| {
        ArticleCommand::CreateDraft(NewArticle::new(
            cat(category),
            ArticleKind::Faq,
            locale("fr"),
            title,
            body,
        ))
    };
    for (cmd, field) in [
        (bad("nowhere", "Titre", "Corps"), "category"),
        (bad("vpn", "  ", "Corps"), "title"),
        (bad("vpn", "Deux\nlignes", "Corps"), "title"),
        (bad("vpn", &"x".repeat(201), "Corps"), "title"),
        (bad("vpn", "Titre", " \n "), "body"),
        (bad("vpn", "Titre", "a\0b"), "body"),
    ] {
        match g.when(&agent(), cmd) {
            Err(Error::Validation(v)) => assert_eq!(v.field, field),
            other => panic!("expected a validation error on {field}, got {other:?}"),
        }
    }
    assert!(g.article.is_none());
}

#[test]
fn creating_twice_is_a_duplicate_and_other_commands_need_an_article() {
    let mut g = Given::new().ok(&agent(), create());
    assert_eq!(
        g.when(&agent(), create()).unwrap_err().kind(),
        ErrorKind::Duplicate
    );
    let mut empty = Given::new();
    let e = empty
        .when(&lead(), ArticleCommand::PublishPublic)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
}

#[test]
fn editing_appends_a_version_and_keeps_the_old_ones() {
    let mut g = Given::new().ok(&agent(), create()).ok(
        &agent(),
        edit("The VPN drops hourly", "Install profile v2."),
    );
    let tr = g.article().translation(&locale("en")).unwrap();
    assert_eq!(tr.versions().len(), 2);
    assert_eq!(tr.latest().revision, 2);
    assert_eq!(tr.version(1).unwrap().title, "The VPN drops every hour");
    assert_eq!(&*tr.latest().body, "Install profile v2.");
    // The same text again changes nothing.
    let events = g
        .when(
            &agent(),
            edit("The VPN drops hourly", "Install profile v2."),
        )
        .unwrap();
    assert!(events.is_empty());
    // A locale without a translation is not found.
    let e = g
        .when(
            &agent(),
            ArticleCommand::Edit {
                locale: locale("hu"),
                title: "x".into(),
                body: "y".into(),
            },
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn translations_are_added_once_per_locale() {
    let translate = |l: &str| ArticleCommand::Translate {
        locale: locale(l),
        title: "Le VPN se coupe toutes les heures".into(),
        body: "Installez le nouveau profil.".into(),
    };
    let mut g = Given::new()
        .ok(&agent(), create())
        .ok(&agent(), translate("fr"));
    let a = g.article();
    assert_eq!(a.translations.len(), 2);
    assert_eq!(
        a.best_translation(&locale("fr-CA").fallbacks(&locale("en")))
            .unwrap()
            .locale(),
        &locale("fr")
    );
    let e = g.when(&agent(), translate("fr")).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Duplicate {
                what: "translation",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn supervisors_publish_and_agents_then_cannot_edit() {
    let mut g = Given::new().ok(&agent(), create());
    let e = g.when(&agent(), ArticleCommand::PublishPublic).unwrap_err();
    assert!(forbidden(&e, ActorKind::Agent), "{e}");
    let mut g = g.ok(&lead(), ArticleCommand::PublishInternal);
    assert_eq!(g.article().state, ArticleState::Internal);
    let e = g.when(&agent(), edit("Changed", "Changed.")).unwrap_err();
    assert!(forbidden(&e, ActorKind::Agent), "{e}");
    // A supervisor may edit a published article.
    let g = g.ok(&lead(), edit("Changed", "Changed."));
    // Publishing what is published changes nothing.
    let mut g = g.ok(&lead(), ArticleCommand::PublishPublic);
    assert!(
        g.when(&lead(), ArticleCommand::PublishPublic)
            .unwrap()
            .is_empty()
    );
    let last = g.history.last().unwrap();
    assert_eq!(
        last.kind,
        ArticleEventKind::StateChanged {
            from: ArticleState::Internal,
            to: ArticleState::Public
        }
    );
}

#[test]
fn archived_articles_are_kept_but_frozen_until_unpublished() {
    let mut g = Given::new()
        .ok(&agent(), create())
        .ok(&lead(), ArticleCommand::PublishPublic)
        .ok(&lead(), ArticleCommand::Archive);
    assert_eq!(g.article().state, ArticleState::Archived);
    let e = g.when(&lead(), edit("x", "y")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    let e = g
        .when(&ada(), ArticleCommand::Vote { helpful: true })
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::NotFound,
        "requesters cannot see archived articles"
    );
    let g = g
        .ok(&lead(), ArticleCommand::Unpublish)
        .ok(&agent(), edit("x", "y"));
    assert_eq!(g.article().state, ArticleState::Draft);
    assert_eq!(
        g.article()
            .translation(&locale("en"))
            .unwrap()
            .versions()
            .len(),
        2
    );
}

#[test]
fn requesters_cannot_see_what_is_not_public() {
    let mut g = Given::new().ok(&agent(), create());
    for cmd in [
        ArticleCommand::Vote { helpful: true },
        edit("x", "y"),
        ArticleCommand::PublishPublic,
    ] {
        assert_eq!(g.when(&ada(), cmd).unwrap_err().kind(), ErrorKind::NotFound);
    }
    let mut g = g.ok(&lead(), ArticleCommand::PublishPublic);
    let e = g.when(&ada(), edit("x", "y")).unwrap_err();
    assert!(forbidden(&e, ActorKind::Requester), "{e}");
}

#[test]
fn one_vote_per_voter_which_they_may_change() {
    let mut g = Given::new()
        .ok(&agent(), create())
        .ok(&lead(), ArticleCommand::PublishPublic)
        .ok(&ada(), ArticleCommand::Vote { helpful: true })
        .ok(&agent(), ArticleCommand::Vote { helpful: true });
    assert_eq!(
        (g.article().helpful_votes(), g.article().not_helpful_votes()),
        (2, 0)
    );
    assert!(
        g.when(&ada(), ArticleCommand::Vote { helpful: true })
            .unwrap()
            .is_empty()
    );
    let mut g = g.ok(&ada(), ArticleCommand::Vote { helpful: false });
    assert_eq!(
        (g.article().helpful_votes(), g.article().not_helpful_votes()),
        (1, 1)
    );
    // A vote needs a person.
    let e = g
        .when(&Actor::System, ArticleCommand::Vote { helpful: true })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
}

#[test]
fn drafts_take_no_votes() {
    let mut g = Given::new().ok(&agent(), create());
    let e = g
        .when(&agent(), ArticleCommand::Vote { helpful: true })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
}

#[test]
fn details_change_category_kind_and_tags() {
    let mut g = Given::new().ok(&agent(), create()).ok(
        &agent(),
        ArticleCommand::UpdateDetails(
            DetailsChange::new()
                .category(cat("network"))
                .kind(ArticleKind::Other("policy".into()))
                .add_tag("Remote")
                .remove_tag("vpn"),
        ),
    );
    let a = g.article();
    assert_eq!(a.category, cat("network"));
    assert_eq!(a.kind.as_str(), "policy");
    assert_eq!(a.tags.iter().collect::<Vec<_>>(), ["remote"]);
    // Nothing new: no event.
    let same = DetailsChange::new()
        .category(cat("network"))
        .add_tag("remote");
    assert!(
        g.when(&agent(), ArticleCommand::UpdateDetails(same))
            .unwrap()
            .is_empty()
    );
    let both = DetailsChange::new().add_tag("x").remove_tag("X");
    assert_eq!(
        g.when(&agent(), ArticleCommand::UpdateDetails(both))
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
    let unknown = DetailsChange::new().category(cat("nowhere"));
    assert_eq!(
        g.when(&agent(), ArticleCommand::UpdateDetails(unknown))
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
}

#[test]
fn replay_rejects_histories_that_cannot_be() {
    let g = Given::new()
        .ok(&agent(), create())
        .ok(&agent(), edit("Two", "Two."))
        .ok(&lead(), ArticleCommand::PublishPublic);
    let h = &g.history;
    assert_eq!(Article::replay(&[]).unwrap_err().kind(), ErrorKind::Corrupt);
    assert_eq!(
        Article::replay(&h[1..]).unwrap_err().kind(),
        ErrorKind::Corrupt
    );
    let gap = [h[0].clone(), h[2].clone()];
    assert_eq!(
        Article::replay(&gap).unwrap_err().kind(),
        ErrorKind::Corrupt
    );
    let mut wrong_revision = h.clone();
    if let ArticleEventKind::Edited { revision, .. } = &mut wrong_revision[1].kind {
        *revision = 5;
    }
    assert_eq!(
        Article::replay(&wrong_revision).unwrap_err().kind(),
        ErrorKind::Corrupt
    );
}

#[test]
fn events_and_articles_round_trip_through_json() {
    let g = Given::new()
        .ok(&agent(), create())
        .ok(&lead(), ArticleCommand::PublishPublic)
        .ok(&ada(), ArticleCommand::Vote { helpful: true });
    let json = serde_json::to_string(&g.history).unwrap();
    let back: Vec<ArticleEvent> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, g.history);
    let json = serde_json::to_string(g.article()).unwrap();
    let back: Article = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, g.article());
    // A translation without versions does not deserialize.
    let bad = r#"{"locale":"en","versions":[]}"#;
    assert!(serde_json::from_str::<Translation>(bad).is_err());
    assert!(json.contains(r#""state":"public""#));
    assert_eq!(
        g.history[2].actor,
        EventActor::Requester(CustomerId::from_uuid(Uuid::from_u128(12)))
    );
}

#[test]
fn locales_normalise_and_reject_junk() {
    for (input, norm) in [
        ("en", "en"),
        ("EL", "el"),
        ("pt_br", "pt-BR"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("sr-Latn", "sr-Latn"),
    ] {
        assert_eq!(locale(input).as_str(), norm);
    }
    for bad in [
        "",
        "e",
        "english",
        "en-",
        "en-GB-oxendict",
        "e1",
        "en-12",
        "фр",
        "en GB",
    ] {
        assert!(bad.parse::<Locale>().is_err(), "{bad}");
    }
    assert_eq!(locale("en").fallbacks(&locale("en")), vec![locale("en")]);
}

#[test]
fn category_trees_need_parents_first_and_unique_ids() {
    let mut t = tree();
    assert!(t.add_section(cat("wifi"), "Wi-Fi", &cat("nope")).is_err());
    assert!(t.add_category(cat("vpn"), "Again").is_err());
    t.add_section(cat("always-on"), "Always-on VPN", &cat("vpn"))
        .unwrap();
    let below: Vec<String> = t
        .subtree(&cat("network"))
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(below, ["always-on", "network", "vpn"]);
    let path: Vec<&str> = t
        .path(&cat("always-on"))
        .iter()
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(path, ["network", "vpn", "always-on"]);
    assert_eq!(t.get(&cat("vpn")).unwrap().kind(), NodeKind::Section);
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(serde_json::from_str::<CategoryTree>(&json).unwrap(), t);
    assert!(t.subtree(&cat("nope")).is_empty());
}
