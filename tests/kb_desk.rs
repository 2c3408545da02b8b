//! The knowledge base through the desk, on every back end: who may write,
//! publish and read what (denied writes change nothing), search with
//! locale fallback as a requester and as staff, votes, "solved by" links in
//! ticket timelines, suggestions with their outcomes and the deflection
//! figures, and drafts from solved tickets without the requester's
//! personal data.
//!
//! `backends!` runs each scenario on the in-memory store, an SQLite file
//! and PostgreSQL (when `HELPDESK_TEST_POSTGRES_URL` is set), so test names
//! read `access::sqlite`.
#![cfg(feature = "sqlite")]

use std::sync::Arc;

use chrono::Duration;
use helpdesk::kb::{
    Article, ArticleKind, ArticleState, CategoryId, DetailsChange, KnowledgeConfig, Locale,
    NewArticle, SearchFilter,
};
use helpdesk::store::TimeRange;
use helpdesk::store::knowledge::SuggestionOutcome;
use helpdesk::ticket::EventKind;
use helpdesk::{
    Actor, AgentId, Channel, Clock, ContactUpdate, CustomerId, ErrorKind, HelpDesk, KnowledgeStore,
    ManualClock, NewTicket, Requester, Store,
};

struct World {
    desk: HelpDesk,
    clock: Arc<ManualClock>,
    agent: Actor,
    lead: Actor,
}

fn l(s: &str) -> Locale {
    s.parse().unwrap()
}

fn cat(s: &str) -> CategoryId {
    CategoryId::new(s).unwrap()
}

impl World {
    fn new<S: Store + KnowledgeStore + 'static>(store: Arc<S>) -> Self {
        let clock = Arc::new(ManualClock::new("2026-03-02T14:00:00Z".parse().unwrap()));
        let config: KnowledgeConfig = toml::from_str(
            r#"
            default_locale = "en"
            suggestions = 3
            [[categories]]
            id = "network"
            name = "Network"
            [[categories]]
            id = "vpn"
            name = "VPN"
            parent = "network"
            [[categories]]
            id = "printing"
            name = "Printing"
            [[categories]]
            id = "drafts"
            name = "Drafts"
            "#,
        )
        .unwrap();
        let desk = HelpDesk::builder()
            .store(store.clone())
            .knowledge(store)
            .clock(clock.clone())
            .knowledge_config(config)
            .build()
            .unwrap();
        World {
            desk,
            clock,
            agent: Actor::agent(AgentId::new(), []),
            lead: Actor::supervisor(AgentId::new()),
        }
    }

    fn tick(&self) {
        self.clock.advance(Duration::minutes(1));
    }

    /// A published article by the agent (written) and the lead (published).
    async fn article(
        &self,
        state: ArticleState,
        category: &str,
        texts: &[(&str, &str, &str)],
    ) -> Article {
        self.tick();
        let (lang, title, body) = texts[0];
        let new = NewArticle::new(
            cat(category),
            ArticleKind::Troubleshooting,
            l(lang),
            title,
            body,
        );
        let mut a = self.desk.create_article(&self.agent, new).await.unwrap();
        for &(lang, title, body) in &texts[1..] {
            a = self
                .desk
                .translate_article(&self.agent, a.id, l(lang), title, body)
                .await
                .unwrap();
        }
        match state {
            ArticleState::Draft => a,
            ArticleState::Internal => self.desk.publish_internal(&self.lead, a.id).await.unwrap(),
            ArticleState::Public => self.desk.publish_public(&self.lead, a.id).await.unwrap(),
            ArticleState::Archived => self.desk.archive_article(&self.lead, a.id).await.unwrap(),
        }
    }
}

async fn access(w: World) {
    let customer = CustomerId::new();
    let requester = Actor::requester(customer);
    let draft = w
        .article(
            ArticleState::Draft,
            "vpn",
            &[("en", "VPN draft", "Not yet checked.")],
        )
        .await;
    let internal = w
        .article(
            ArticleState::Internal,
            "vpn",
            &[("en", "VPN internals", "Gateway details for staff.")],
        )
        .await;
    let public = w
        .article(
            ArticleState::Public,
            "vpn",
            &[("en", "VPN disconnects", "Reinstall the VPN profile.")],
        )
        .await;

    // Denied writes are Forbidden and change nothing.
    let before = w.desk.article_history(&w.lead, draft.id).await.unwrap();
    for err in [
        w.desk.publish_public(&w.agent, draft.id).await.unwrap_err(),
        w.desk
            .archive_article(&w.agent, draft.id)
            .await
            .unwrap_err(),
        w.desk
            .edit_article(&w.agent, public.id, l("en"), "Changed", "Changed.")
            .await
            .unwrap_err(),
        w.desk
            .edit_article(&requester, draft.id, l("en"), "Mine", "Mine.")
            .await
            .unwrap_err(),
        w.desk
            .create_article(
                &requester,
                NewArticle::new(cat("vpn"), ArticleKind::Faq, l("en"), "x", "y"),
            )
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
    }
    assert_eq!(
        w.desk.article_history(&w.lead, draft.id).await.unwrap(),
        before
    );
    assert_eq!(w.desk.article(&w.lead, public.id).await.unwrap(), public);
    // A category outside the tree is refused.
    let err = w
        .desk
        .create_article(
            &w.agent,
            NewArticle::new(cat("nowhere"), ArticleKind::Faq, l("en"), "x", "y"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);

    // Requesters read public articles only; the rest is not found.
    let portal = w.desk.portal(customer);
    assert_eq!(
        portal.article(public.id, &l("en")).await.unwrap().title,
        "VPN disconnects"
    );
    for hidden in [draft.id, internal.id] {
        assert_eq!(
            portal.article(hidden, &l("en")).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            portal
                .vote(hidden, true, &l("en"))
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
    }
    assert_eq!(
        w.desk
            .article(&requester, public.id)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Forbidden
    );

    // In search too, whatever the filter asks for.
    let ids =
        |r: helpdesk::kb::SearchResults| r.hits.into_iter().map(|h| h.article).collect::<Vec<_>>();
    let found = ids(portal
        .search("vpn ", &l("en"), &SearchFilter::new(), 10)
        .await
        .unwrap());
    assert_eq!(found, [public.id]);
    let asked = SearchFilter::new()
        .state(ArticleState::Draft)
        .state(ArticleState::Internal);
    assert!(ids(portal.search("vpn ", &l("en"), &asked, 10).await.unwrap()).is_empty());
    let staff = ids(w
        .desk
        .search(&w.agent, "vpn ", &l("en"), &SearchFilter::new(), 10)
        .await
        .unwrap());
    assert_eq!(staff.len(), 2);
    assert!(staff.contains(&internal.id) && staff.contains(&public.id));
    let drafts = ids(w
        .desk
        .search(
            &w.agent,
            "vpn ",
            &l("en"),
            &SearchFilter::new().state(ArticleState::Draft),
            10,
        )
        .await
        .unwrap());
    assert_eq!(drafts, [draft.id]);
    // The category filter takes in the sections below it.
    let under = ids(w
        .desk
        .search(
            &w.agent,
            "vpn ",
            &l("en"),
            &SearchFilter::new().category(cat("network")),
            10,
        )
        .await
        .unwrap());
    assert_eq!(under.len(), 2);
    assert!(
        ids(w
            .desk
            .search(
                &w.agent,
                "vpn ",
                &l("en"),
                &SearchFilter::new().category(cat("printing")),
                10
            )
            .await
            .unwrap())
        .is_empty()
    );
    // Hostile input is just words.
    for q in [
        "\"vpn",
        "vpn\" OR 1=1 --",
        "NEAR(vpn",
        "title:vpn*",
        "'; DROP TABLE kb_docs; --",
    ] {
        portal
            .search(q, &l("en"), &SearchFilter::new(), 10)
            .await
            .unwrap();
    }
    assert_eq!(
        ids(portal
            .search("vpn ", &l("en"), &SearchFilter::new(), 10)
            .await
            .unwrap()),
        [public.id]
    );

    // Editing keeps the old versions; archiving takes an article out of search.
    let edited = w
        .desk
        .edit_article(
            &w.lead,
            public.id,
            l("en"),
            "VPN disconnects hourly",
            "Reinstall the VPN profile.",
        )
        .await
        .unwrap();
    assert_eq!(edited.translation(&l("en")).unwrap().versions().len(), 2);
    let moved = w
        .desk
        .update_article(&w.lead, public.id, DetailsChange::new().add_tag("vpn"))
        .await
        .unwrap();
    assert!(moved.tags.contains("vpn"));
    w.desk.archive_article(&w.lead, public.id).await.unwrap();
    assert!(
        ids(portal
            .search("vpn ", &l("en"), &SearchFilter::new(), 10)
            .await
            .unwrap())
        .is_empty()
    );
    assert_eq!(
        portal
            .article(public.id, &l("en"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

async fn locales_and_votes(w: World) {
    let a = w
        .article(
            ArticleState::Public,
            "printing",
            &[
                ("en", "Printer offline", "Restart the print spooler."),
                (
                    "fr",
                    "Imprimante hors ligne",
                    "Redémarrez le spouleur d'impression.",
                ),
            ],
        )
        .await;
    let ada = CustomerId::new();
    let portal = w.desk.portal(ada);
    // French reader: the French text; Hungarian reader: the desk's English.
    let fr = portal
        .search("imprimante spoul", &l("fr"), &SearchFilter::new(), 5)
        .await
        .unwrap();
    assert_eq!(fr.hits[0].locale, l("fr"));
    assert_eq!(fr.hits[0].title_html, "<mark>Imprimante</mark> hors ligne");
    let hu = portal
        .search("printer", &l("hu"), &SearchFilter::new(), 5)
        .await
        .unwrap();
    assert_eq!(hu.hits[0].locale, l("en"));
    // The French reader does not find the English words of an article they read in French.
    assert!(
        portal
            .search("printer ", &l("fr"), &SearchFilter::new(), 5)
            .await
            .unwrap()
            .hits
            .is_empty()
    );
    assert_eq!(
        portal.article(a.id, &l("fr-CA")).await.unwrap().title,
        "Imprimante hors ligne"
    );
    assert_eq!(
        portal.article(a.id, &l("ru")).await.unwrap().title,
        "Printer offline"
    );

    // One vote per person, changeable.
    let v = portal.vote(a.id, true, &l("fr")).await.unwrap();
    assert_eq!((v.helpful, v.not_helpful, v.my_vote), (1, 0, Some(true)));
    let v = portal.vote(a.id, true, &l("fr")).await.unwrap();
    assert_eq!((v.helpful, v.not_helpful), (1, 0));
    let v = portal.vote(a.id, false, &l("fr")).await.unwrap();
    assert_eq!((v.helpful, v.not_helpful, v.my_vote), (0, 1, Some(false)));
    let other = w
        .desk
        .portal(CustomerId::new())
        .vote(a.id, true, &l("en"))
        .await
        .unwrap();
    assert_eq!((other.helpful, other.not_helpful), (1, 1));
    let staff_vote = w.desk.vote_article(&w.agent, a.id, true).await.unwrap();
    assert_eq!(staff_vote.helpful_votes(), 2);
    // Drafts take no votes.
    let d = w
        .article(ArticleState::Draft, "printing", &[("en", "Draft", "Body.")])
        .await;
    assert_eq!(
        w.desk
            .vote_article(&w.agent, d.id, true)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
}

async fn solved_by_links(w: World) {
    let a = w
        .article(
            ArticleState::Public,
            "vpn",
            &[("en", "VPN disconnects", "Reinstall the VPN profile.")],
        )
        .await;
    let ada = CustomerId::new();
    let t = w
        .desk
        .portal(ada)
        .open(NewTicket::new(
            Requester::new(ada, "Ada"),
            Channel::Portal,
            "VPN drops",
            "Every hour.",
        ))
        .await
        .unwrap();
    let linked = w.desk.link_article(&w.agent, t.id, a.id).await.unwrap();
    let again = w.desk.link_article(&w.agent, t.id, a.id).await.unwrap();
    assert_eq!(
        linked.version, again.version,
        "linking twice changes nothing"
    );
    let timeline = w.desk.timeline(&w.agent, t.id).await.unwrap();
    let links: Vec<_> = timeline
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ArticleLinked { article, title } => Some((*article, title.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(links, [(a.id, "VPN disconnects".to_owned())]);
    assert_eq!(helpdesk::Ticket::replay(&timeline).unwrap(), again);
    // Unknown articles and requesters are refused.
    let missing = w
        .desk
        .link_article(&w.agent, t.id, helpdesk::kb::ArticleId::new())
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let denied = w
        .desk
        .link_article(&Actor::requester(ada), t.id, a.id)
        .await
        .unwrap_err();
    assert_eq!(denied.kind(), ErrorKind::Forbidden);
}

async fn suggestions_and_deflection(w: World) {
    let start = w.clock.now();
    let vpn = w
        .article(
            ArticleState::Public,
            "vpn",
            &[(
                "en",
                "VPN disconnects every hour",
                "Reinstall the VPN profile from the portal.",
            )],
        )
        .await;
    let printer = w
        .article(
            ArticleState::Public,
            "printing",
            &[("en", "Printer offline", "Restart the print spooler.")],
        )
        .await;
    let secret = w
        .article(
            ArticleState::Internal,
            "vpn",
            &[(
                "en",
                "VPN gateway restart",
                "Staff only: restart the VPN gateway.",
            )],
        )
        .await;
    let ada = CustomerId::new();
    let portal = w.desk.portal(ada);

    let s = portal
        .suggest(
            "My VPN disconnects",
            "Since Monday the \"VPN\" drops every hour!",
            &l("en"),
        )
        .await
        .unwrap();
    let shown: Vec<_> = s.hits.iter().map(|h| h.article).collect();
    assert_eq!(shown.first(), Some(&vpn.id));
    assert!(
        !shown.contains(&secret.id),
        "requesters are never shown internal articles"
    );
    assert!(shown.len() <= 3);
    portal
        .suggestion_outcome(s.id, SuggestionOutcome::Viewed { article: vpn.id })
        .await
        .unwrap();
    portal
        .suggestion_outcome(s.id, SuggestionOutcome::Helped { article: vpn.id })
        .await
        .unwrap();
    // Someone else's suggestions are not found; an article not shown is refused.
    let bob = w.desk.portal(CustomerId::new());
    assert_eq!(
        bob.suggestion_outcome(s.id, SuggestionOutcome::Viewed { article: vpn.id })
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        portal
            .suggestion_outcome(s.id, SuggestionOutcome::Helped { article: secret.id })
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );

    // A second set: the customer opens a ticket anyway.
    let s2 = portal
        .suggest("Printer shows offline", "The printer on floor 3.", &l("en"))
        .await
        .unwrap();
    assert_eq!(s2.hits[0].article, printer.id);
    let t = portal
        .open(NewTicket::new(
            Requester::new(ada, "Ada"),
            Channel::Portal,
            "Printer offline",
            "Still.",
        ))
        .await
        .unwrap();
    portal
        .suggestion_outcome(s2.id, SuggestionOutcome::TicketOpened { ticket: t.id })
        .await
        .unwrap();
    // Staff see internal articles among suggestions for the open ticket.
    let s3 = w
        .desk
        .suggest_for_ticket(&w.agent, t.id, &l("en"))
        .await
        .unwrap();
    assert_eq!(s3.hits[0].article, printer.id);
    // Nothing fits: an empty set, which deflection does not count.
    let s4 = portal.suggest("zzzz", "qqqq", &l("en")).await.unwrap();
    assert!(s4.hits.is_empty());

    let d = w
        .desk
        .deflection(&w.lead, TimeRange::new(Some(start), None))
        .await
        .unwrap();
    assert_eq!(
        (d.shown, d.viewed, d.helped, d.tickets_opened, d.deflected),
        (3, 1, 1, 1, 1)
    );
    assert_eq!(d.rate(), Some(1.0 / 3.0));
    assert_eq!(
        w.desk
            .deflection(&Actor::requester(ada), TimeRange::default())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Forbidden
    );
}

async fn drafts_from_solved_tickets(w: World) {
    let ada = CustomerId::new();
    let requester = Requester::new(ada, "Ada Lovelace")
        .email("ada.lovelace@analytical.example")
        .phone("+44 20 7946 0958")
        .organization("Analytical Engines Ltd");
    let t = w
        .desk
        .open(
            &w.agent,
            NewTicket::new(
                requester,
                Channel::Email,
                "Ada Lovelace cannot print at Analytical Engines",
                "Hello, this is Ada (ada.lovelace@analytical.example, 020 7946 0958). \
                 The printer says offline. Call me on +44 20 7946 0958. Ada",
            )
            .category("printing"),
        )
        .await
        .unwrap();
    // Not solved yet: no draft.
    assert_eq!(
        w.desk
            .draft_from_ticket(&w.agent, t.id)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
    w.desk
        .update_requester(&w.agent, t.id, ContactUpdate::default().name("Ada King"))
        .await
        .unwrap();
    w.desk
        .reply(&w.agent, t.id, "Hi Ada, restart the print spooler; Lovelace's laptop then prints. Regards to Analytical Engines Ltd.")
        .await
        .unwrap();
    w.desk
        .transition(&w.agent, t.id, "resolved", None)
        .await
        .unwrap();
    let draft = w.desk.draft_from_ticket(&w.agent, t.id).await.unwrap();
    assert_eq!(draft.state, ArticleState::Draft);
    assert_eq!(draft.source_ticket, Some(t.id));
    assert_eq!(draft.category, cat("printing"));
    let text = draft.translation(&l("en")).unwrap().latest();
    let all = format!("{}\n{}", text.title, text.body).to_lowercase();
    for gone in [
        "ada",
        "lovelace",
        "king",
        "analytical",
        "engines",
        "7946",
        "0958",
        "@",
    ] {
        assert!(!all.contains(gone), "`{gone}` is in the draft:\n{all}");
    }
    assert!(
        all.contains("print spooler") && all.contains("[name]") && all.contains("[phone]"),
        "{all}"
    );
    // Requesters cannot draft.
    let denied = w
        .desk
        .draft_from_ticket(&Actor::requester(ada), t.id)
        .await
        .unwrap_err();
    assert_eq!(denied.kind(), ErrorKind::Forbidden);
}

macro_rules! backends {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn memory() {
                    super::$scenario(World::new(Arc::new(helpdesk::InMemoryStore::new()))).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = helpdesk::store::SqliteStore::open(dir.path().join("desk.db")).await.unwrap();
                    super::$scenario(World::new(Arc::new(store))).await;
                }

                #[cfg(feature = "postgres")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Ok(url) = std::env::var("HELPDESK_TEST_POSTGRES_URL") else {
                        eprintln!("HELPDESK_TEST_POSTGRES_URL is not set: PostgreSQL not tested");
                        return;
                    };
                    let schema = format!("helpdesk_test_{}", uuid::Uuid::now_v7().simple());
                    let store = helpdesk::store::PostgresStore::connect_with_schema(&url, &schema).await.unwrap();
                    super::$scenario(World::new(Arc::new(store.clone()))).await;
                    store.close().await;
                    drop_schema(&url, &schema).await;
                }
            }
        )*
    };
}

#[cfg(feature = "postgres")]
async fn drop_schema(url: &str, schema: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}

backends!(
    access,
    locales_and_votes,
    solved_by_links,
    suggestions_and_deflection,
    drafts_from_solved_tickets,
);
