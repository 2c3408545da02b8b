//! The [`KnowledgeStore`] suite: article writes with optimistic
//! concurrency, histories, listings, search (ranking, folding, prefixes,
//! phrases, filters, locale fallback, hostile input), and suggestions with
//! their outcomes.
//!
//! Every `pub async fn` here is a case; the build script puts it into
//! [`knowledge_store_conformance_tests!`](crate::knowledge_store_conformance_tests)
//! (not into `store_conformance_tests!`: a ticket store need not implement
//! the knowledge base).

use chrono::Duration;
use uuid::Uuid;

use super::t0;
use crate::access::Actor;
use crate::error::Error;
use crate::id::{AgentId, ArticleId, CustomerId, EventId, SuggestionId, TicketId};
use crate::kb::{
    self, Article, ArticleCommand, ArticleKind, ArticleState, CategoryId, KbContext, KbIndex,
    Locale, NewArticle, SearchFilter,
};
use crate::store::TimeRange;
use crate::store::knowledge::{
    ArticleQuery, ArticleWrite, Deflection, KbSearch, KnowledgeStore, SuggestionOutcome,
    SuggestionRecord,
};
use crate::ticket::EventActor;

fn lead() -> Actor {
    Actor::supervisor(AgentId::from_uuid(Uuid::from_u128(7)))
}

fn locale(s: &str) -> Locale {
    // The suite's locales are valid tags.
    s.parse().unwrap()
}

fn cat(s: &str) -> CategoryId {
    CategoryId::new(s).unwrap()
}

/// Runs `command` on `article` and stores it; returns the new article.
async fn run<S: KnowledgeStore + ?Sized>(
    store: &S,
    article: Option<Article>,
    command: ArticleCommand,
    id: ArticleId,
) -> Article {
    let actor = lead();
    let at = t0() + Duration::seconds(article.as_ref().map_or(0, |a| a.version as i64));
    let ctx = KbContext::new(&actor, at).with_ids(id, EventId::new());
    let expected = article.as_ref().map(|a| a.version);
    let (after, events) = kb::execute(article, &command, &ctx).unwrap();
    if !events.is_empty() {
        store
            .commit_article(ArticleWrite::new(after.clone(), events, expected))
            .await
            .unwrap();
    }
    after
}

/// A published article with `texts` (locale, title, body), in `category`,
/// of `kind`, with `tags`; id `n`.
async fn publish<S: KnowledgeStore + ?Sized>(
    store: &S,
    n: u128,
    state: ArticleState,
    category: &str,
    kind: ArticleKind,
    tags: &[&str],
    texts: &[(&str, &str, &str)],
) -> Article {
    let id = ArticleId::from_uuid(Uuid::from_u128(n));
    let (l, title, body) = texts[0];
    let mut new = NewArticle::new(cat(category), kind, locale(l), title, body);
    for t in tags {
        new = new.tag(*t);
    }
    let mut a = run(store, None, ArticleCommand::CreateDraft(new), id).await;
    for &(l, title, body) in &texts[1..] {
        let cmd = ArticleCommand::Translate {
            locale: locale(l),
            title: title.into(),
            body: body.into(),
        };
        a = run(store, Some(a), cmd, id).await;
    }
    let cmd = match state {
        ArticleState::Draft => return a,
        ArticleState::Internal => ArticleCommand::PublishInternal,
        ArticleState::Public => ArticleCommand::PublishPublic,
        ArticleState::Archived => ArticleCommand::Archive,
    };
    run(store, Some(a), cmd, id).await
}

fn search(text: &str, locales: &[&str], filter: SearchFilter, limit: usize) -> KbSearch {
    KbSearch::new(
        text,
        locales.iter().map(|l| locale(l)).collect(),
        filter,
        limit,
    )
}

fn ids(r: &kb::SearchResults) -> Vec<u128> {
    r.hits
        .iter()
        .map(|h| h.article.as_uuid().as_u128())
        .collect()
}

/// Writes store the snapshot and append the events; the history replays to
/// the snapshot; a stale or repeated write is a conflict and changes nothing.
pub async fn kb_commit_load_history_and_conflicts<S: KnowledgeStore + ?Sized>(store: &S) {
    let a = publish(
        store,
        1,
        ArticleState::Draft,
        "vpn",
        ArticleKind::HowTo,
        &["vpn"],
        &[("en", "Connect to the VPN", "Open the client.")],
    )
    .await;
    let id = a.id;
    assert_eq!(store.load_article(id).await.unwrap(), Some(a.clone()));
    let edit = ArticleCommand::Edit {
        locale: locale("en"),
        title: "Connect to the VPN from home".into(),
        body: "Open the client and sign in.".into(),
    };
    let edited = run(store, Some(a.clone()), edit, id).await;
    let history = store.article_history(id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(Article::replay(&history).unwrap(), edited);
    assert_eq!(store.load_article(id).await.unwrap(), Some(edited.clone()));
    assert_eq!(
        edited.translation(&locale("en")).unwrap().versions().len(),
        2,
        "old versions stay readable"
    );

    // A write based on the old version loses.
    let actor = lead();
    let ctx = KbContext::new(&actor, t0()).with_ids(id, EventId::new());
    let (stale, events) =
        kb::execute(Some(a.clone()), &ArticleCommand::PublishPublic, &ctx).unwrap();
    match store
        .commit_article(ArticleWrite::new(stale, events, Some(1)))
        .await
    {
        Err(Error::Conflict {
            what: "article",
            expected: 1,
            actual: 2,
            ..
        }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Inserting an existing article is a conflict too.
    let first = history[..1].to_vec();
    let created = Article::replay(&first).unwrap();
    assert!(matches!(
        store
            .commit_article(ArticleWrite::new(created, first, None))
            .await,
        Err(Error::Conflict { .. })
    ));
    assert_eq!(store.article_history(id).await.unwrap(), history);
    assert_eq!(store.load_article(id).await.unwrap(), Some(edited));
    // A malformed write is refused before storage.
    let unknown = ArticleId::new();
    assert!(store.load_article(unknown).await.unwrap().is_none());
    assert!(store.article_history(unknown).await.unwrap().is_empty());
}

/// Listings filter by state, category, kind and tag, in id order, in pages.
pub async fn kb_list_filters_and_pages<S: KnowledgeStore + ?Sized>(store: &S) {
    let text = |t| [("en", t, "Body text.")];
    publish(
        store,
        1,
        ArticleState::Public,
        "vpn",
        ArticleKind::Faq,
        &["vpn"],
        &text("One"),
    )
    .await;
    publish(
        store,
        2,
        ArticleState::Internal,
        "vpn",
        ArticleKind::HowTo,
        &["vpn", "mfa"],
        &text("Two"),
    )
    .await;
    publish(
        store,
        3,
        ArticleState::Draft,
        "printing",
        ArticleKind::Faq,
        &[],
        &text("Three"),
    )
    .await;
    publish(
        store,
        4,
        ArticleState::Archived,
        "printing",
        ArticleKind::Training,
        &["mfa"],
        &text("Four"),
    )
    .await;
    let list = |filter: SearchFilter, limit, after: Option<u128>| {
        let q = ArticleQuery::new(filter, limit)
            .after(after.map(|n| ArticleId::from_uuid(Uuid::from_u128(n))));
        async move {
            store
                .list_articles(&q)
                .await
                .unwrap()
                .iter()
                .map(|a| a.id.as_uuid().as_u128())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(SearchFilter::new(), 10, None).await, [1, 2, 3, 4]);
    assert_eq!(list(SearchFilter::new(), 2, None).await, [1, 2]);
    assert_eq!(list(SearchFilter::new(), 2, Some(2)).await, [3, 4]);
    assert_eq!(
        list(
            SearchFilter::new()
                .state(ArticleState::Public)
                .state(ArticleState::Draft),
            10,
            None
        )
        .await,
        [1, 3]
    );
    assert_eq!(
        list(SearchFilter::new().category(cat("printing")), 10, None).await,
        [3, 4]
    );
    assert_eq!(
        list(SearchFilter::new().within([cat("vpn")]), 10, None).await,
        [1, 2]
    );
    assert_eq!(
        list(SearchFilter::new().kind(ArticleKind::Faq), 10, None).await,
        [1, 3]
    );
    assert_eq!(list(SearchFilter::new().tag("MFA"), 10, None).await, [2, 4]);
    assert_eq!(
        list(SearchFilter::new().tag("mfa").tag("vpn"), 10, None).await,
        [2]
    );
    assert!(matches!(
        store
            .list_articles(&ArticleQuery::new(SearchFilter::new(), 0))
            .await,
        Err(Error::Validation(_))
    ));
}

/// Search ranks a title match above a body match, folds case and
/// diacritics, takes the last word as a prefix and quotes as phrases, and
/// highlights; unpublished states are found only when asked for.
pub async fn kb_search_ranks_folds_and_highlights<S: KnowledgeStore + ?Sized>(store: &S) {
    publish(
        store,
        1,
        ArticleState::Public,
        "printing",
        ArticleKind::Troubleshooting,
        &[],
        &[(
            "fr",
            "Réinitialiser l'imprimante",
            "Éteignez-la puis rallumez-la.",
        )],
    )
    .await;
    publish(
        store,
        2,
        ArticleState::Public,
        "printing",
        ArticleKind::Faq,
        &[],
        &[(
            "fr",
            "Bourrage papier",
            "Ouvrez le capot de l'imprimante et retirez la feuille.",
        )],
    )
    .await;
    publish(
        store,
        3,
        ArticleState::Internal,
        "printing",
        ArticleKind::Faq,
        &[],
        &[("fr", "Pilotes d'imprimante internes", "Réservé au support.")],
    )
    .await;
    publish(
        store,
        4,
        ArticleState::Draft,
        "printing",
        ArticleKind::Faq,
        &[],
        &[("fr", "Imprimante brouillon", "Pas encore publié.")],
    )
    .await;
    publish(
        store,
        5,
        ArticleState::Public,
        "accounts",
        ArticleKind::HowTo,
        &[],
        &[
            (
                "el",
                "Επαναφορά κωδικού πρόσβασης",
                "Ανοίξτε τη σελίδα λογαριασμού.",
            ),
            (
                "hu",
                "Jelszó visszaállítása",
                "Nyissa meg a fiók oldalát és kérjen új jelszót.",
            ),
        ],
    )
    .await;

    let public = SearchFilter::new().state(ArticleState::Public);
    let r = store
        .search_articles(&search("IMPRIMANTE ", &["fr"], public.clone(), 10))
        .await
        .unwrap();
    assert_eq!(ids(&r), [1, 2], "title match first; only public articles");
    assert!(!r.relaxed);
    assert!(r.hits[0].score > r.hits[1].score);
    assert_eq!(
        r.hits[0].title_html,
        "Réinitialiser l&#39;<mark>imprimante</mark>"
    );
    assert!(
        r.hits[1].snippet.contains("<mark>imprimante</mark>"),
        "{}",
        r.hits[1].snippet
    );

    let staff = store
        .search_articles(&search("imprimante ", &["fr"], SearchFilter::new(), 10))
        .await
        .unwrap();
    assert_eq!(
        ids(&staff).len(),
        3,
        "internal and public by default: {:?}",
        ids(&staff)
    );
    assert!(ids(&staff).contains(&3));
    let drafts = store
        .search_articles(&search(
            "imprimante ",
            &["fr"],
            SearchFilter::new().state(ArticleState::Draft),
            10,
        ))
        .await
        .unwrap();
    assert_eq!(ids(&drafts), [4]);

    // Accentless, without tonos, a prefix while typing, a phrase.
    for (q, l) in [
        ("reinitialiser", "fr"),
        ("κωδικου προσβασ", "el"),
        ("JELSZO vissza", "hu"),
        ("\"kérjen új jelszót\"", "hu"),
    ] {
        let r = store
            .search_articles(&search(q, &[l], public.clone(), 10))
            .await
            .unwrap();
        assert!(!r.hits.is_empty(), "{q}");
        let want = if l == "fr" { 1 } else { 5 };
        assert_eq!(ids(&r)[0], want, "{q}");
    }
    // A phrase's words out of order do not match as that phrase.
    let r = store
        .search_articles(&search("\"jelszót új\"", &["hu"], public.clone(), 10))
        .await
        .unwrap();
    assert!(r.hits.is_empty(), "{:?}", ids(&r));
    // A phrase does not run from the title into the body.
    let r = store
        .search_articles(&search(
            "\"visszaállítása nyissa\"",
            &["hu"],
            public.clone(),
            10,
        ))
        .await
        .unwrap();
    assert!(r.hits.is_empty(), "{:?}", ids(&r));
    // No article has every word: any word counts, and the results say so.
    let r = store
        .search_articles(&search("bourrage zzzz ", &["fr"], public.clone(), 10))
        .await
        .unwrap();
    assert_eq!(ids(&r), [2]);
    assert!(r.relaxed);
    // The limit holds.
    let r = store
        .search_articles(&search("imprimante ", &["fr"], public, 1))
        .await
        .unwrap();
    assert_eq!(ids(&r), [1]);
}

/// Each article is found in the first locale of the chain it has; filters
/// by category, kind and tag hold.
pub async fn kb_search_locale_fallback_and_filters<S: KnowledgeStore + ?Sized>(store: &S) {
    publish(
        store,
        1,
        ArticleState::Public,
        "vpn",
        ArticleKind::Troubleshooting,
        &["vpn"],
        &[
            ("en", "VPN disconnects", "Reinstall the VPN profile."),
            ("fr", "Le VPN se déconnecte", "Réinstallez le profil VPN."),
        ],
    )
    .await;
    publish(
        store,
        2,
        ArticleState::Public,
        "vpn",
        ArticleKind::Faq,
        &["remote"],
        &[("en", "VPN for visitors", "Visitors get no VPN account.")],
    )
    .await;
    publish(
        store,
        3,
        ArticleState::Public,
        "printing",
        ArticleKind::Faq,
        &["vpn"],
        &[("en", "Printing over VPN", "Print through the VPN gateway.")],
    )
    .await;
    let chain = ["fr", "en"];
    let r = store
        .search_articles(&search("vpn ", &chain, SearchFilter::new(), 10))
        .await
        .unwrap();
    let found: Vec<(u128, String)> = r
        .hits
        .iter()
        .map(|h| (h.article.as_uuid().as_u128(), h.locale.to_string()))
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.contains(&(1, "fr".into())), "{found:?}");
    assert!(found.contains(&(2, "en".into())));
    assert!(!found.contains(&(1, "en".into())), "one locale per article");
    // Without a chain: every locale.
    let r = store
        .search_articles(&search("vpn ", &[], SearchFilter::new(), 10))
        .await
        .unwrap();
    assert_eq!(r.hits.len(), 4);
    // Only the chain's locales.
    let r = store
        .search_articles(&search("vpn ", &["ru"], SearchFilter::new(), 10))
        .await
        .unwrap();
    assert!(r.hits.is_empty());

    let by = |f: SearchFilter| {
        let s = search("vpn ", &["en"], f, 10);
        async move {
            let mut v = ids(&store.search_articles(&s).await.unwrap());
            v.sort_unstable();
            v
        }
    };
    assert_eq!(by(SearchFilter::new().category(cat("vpn"))).await, [1, 2]);
    assert_eq!(by(SearchFilter::new().within([cat("printing")])).await, [3]);
    assert_eq!(by(SearchFilter::new().kind(ArticleKind::Faq)).await, [2, 3]);
    assert_eq!(by(SearchFilter::new().tag("vpn")).await, [1, 3]);
    assert_eq!(
        by(SearchFilter::new().tag("vpn").kind(ArticleKind::Faq)).await,
        [3]
    );
}

/// Query syntax in user input (FTS5 and tsquery operators, quotes, SQL)
/// is never an error and never an injection: every such input is just
/// words, and the store is intact afterwards.
pub async fn kb_search_hostile_input_is_just_words<S: KnowledgeStore + ?Sized>(store: &S) {
    publish(
        store,
        1,
        ArticleState::Public,
        "vpn",
        ArticleKind::Faq,
        &[],
        &[(
            "en",
            "Drop the VPN table",
            "The kb_docs column title: NEAR the OR gate.",
        )],
    )
    .await;
    let hostile = [
        "\"",
        "\"\"",
        "'",
        "''",
        "*",
        "vpn*",
        "-vpn",
        "vpn -table",
        "NEAR(vpn table)",
        "NEAR",
        "title:vpn",
        "{title}: vpn",
        "vpn OR 1=1",
        "vpn AND NOT x",
        "'; DROP TABLE kb_docs; --",
        "\" OR \"\" = \"",
        "a:* & !b | c <-> d",
        "(vpn",
        "vpn)",
        "^vpn",
        "vpn:*A",
        "\\",
        "\\'",
        "%",
        "_",
        "$1",
        "?",
        "\u{0}",
        "NEAR/2",
        "vpn + table",
        "«vpn",
        "col: * ",
        "))))((((",
    ];
    for q in hostile {
        let r = store
            .search_articles(&search(q, &["en"], SearchFilter::new(), 10))
            .await
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
        for h in &r.hits {
            assert_eq!(h.article.as_uuid().as_u128(), 1, "{q:?}");
        }
    }
    // Operators are words: `NEAR` finds the article that says "NEAR".
    let r = store
        .search_articles(&search("near ", &["en"], SearchFilter::new(), 10))
        .await
        .unwrap();
    assert_eq!(ids(&r), [1]);
    let r = store
        .search_articles(&search(
            "'; DROP TABLE kb_docs; --",
            &["en"],
            SearchFilter::new(),
            10,
        ))
        .await
        .unwrap();
    assert_eq!(
        ids(&r),
        [1],
        "found by its words, and the table is still there"
    );
    assert!(
        store
            .load_article(ArticleId::from_uuid(Uuid::from_u128(1)))
            .await
            .unwrap()
            .is_some()
    );
    // Nothing to search for: nothing found.
    let r = store
        .search_articles(&search(" \"\" -*- ", &["en"], SearchFilter::new(), 10))
        .await
        .unwrap();
    assert!(r.hits.is_empty());
}

/// The store ranks as the in-memory index does, on the same articles.
pub async fn kb_search_ranks_like_the_in_memory_index<S: KnowledgeStore + ?Sized>(store: &S) {
    let texts = [
        (
            "Reset your password",
            "Use the password page to reset a forgotten password.",
        ),
        (
            "Password expired",
            "An expired password must be changed at sign in.",
        ),
        (
            "Account locked",
            "After five wrong passwords the account locks for an hour.",
        ),
        (
            "VPN password",
            "The VPN uses your account password, not a separate one.",
        ),
        (
            "Printer offline",
            "Restart the printer; check the network cable.",
        ),
        (
            "Network printer setup",
            "Add the printer by its network name.",
        ),
    ];
    let mut index = KbIndex::new(kb::CategoryTree::new());
    for (i, (title, body)) in texts.iter().enumerate() {
        let a = publish(
            store,
            i as u128 + 1,
            ArticleState::Public,
            "general",
            ArticleKind::Faq,
            &[],
            &[("en", title, body)],
        )
        .await;
        index.upsert(&a);
    }
    for q in [
        "password",
        "password reset",
        "passw",
        "printer network",
        "\"account password\"",
        "locks hour zzz",
    ] {
        let want = index.search(&Actor::System, q, &[locale("en")], &SearchFilter::new(), 10);
        let got = store
            .search_articles(&search(q, &["en"], SearchFilter::new(), 10))
            .await
            .unwrap();
        assert_eq!(ids(&got), ids(&want), "{q}");
        assert_eq!(got.relaxed, want.relaxed, "{q}");
        for (g, w) in got.hits.iter().zip(&want.hits) {
            assert!(
                (g.score - w.score).abs() < 1e-9,
                "{q}: {} vs {}",
                g.score,
                w.score
            );
            assert_eq!(
                (&g.title_html, &g.snippet),
                (&w.title_html, &w.snippet),
                "{q}"
            );
        }
    }
}

/// Suggestions are recorded with their outcomes (each counted once), and
/// deflection is computed from them.
pub async fn kb_suggestions_and_deflection<S: KnowledgeStore + ?Sized>(store: &S) {
    let a = ArticleId::from_uuid(Uuid::from_u128(1));
    let b = ArticleId::from_uuid(Uuid::from_u128(2));
    let who = EventActor::Requester(CustomerId::new());
    let at = |m: i64| t0() + Duration::minutes(m);
    let set = |n: u128, m: i64, articles: Vec<ArticleId>| {
        SuggestionRecord::new(
            SuggestionId::from_uuid(Uuid::from_u128(n)),
            at(m),
            who,
            locale("en"),
            articles,
        )
    };
    let s1 = set(1, 0, vec![a, b]);
    let s2 = set(2, 1, vec![a]);
    let s3 = set(3, 2, vec![b]);
    let s4 = set(4, 3, vec![]);
    let s5 = set(5, 60, vec![a]);
    for s in [&s1, &s2, &s3, &s4, &s5] {
        store.record_suggestions(s.clone()).await.unwrap();
    }
    assert!(matches!(
        store.record_suggestions(s1.clone()).await,
        Err(Error::Duplicate { .. })
    ));
    let ticket = TicketId::new();
    let outcomes = [
        (&s1, SuggestionOutcome::Viewed { article: b }),
        (&s1, SuggestionOutcome::Helped { article: b }),
        (&s1, SuggestionOutcome::Helped { article: b }),
        (&s2, SuggestionOutcome::Viewed { article: a }),
        (&s2, SuggestionOutcome::TicketOpened { ticket }),
        (&s3, SuggestionOutcome::Helped { article: b }),
        (&s3, SuggestionOutcome::TicketOpened { ticket }),
        (&s5, SuggestionOutcome::Helped { article: a }),
    ];
    for (s, o) in outcomes {
        store.record_outcome(s.id, o, at(5)).await.unwrap();
    }
    assert!(matches!(
        store
            .record_outcome(s2.id, SuggestionOutcome::Helped { article: b }, at(5))
            .await,
        Err(Error::Validation(_))
    ));
    assert!(matches!(
        store
            .record_outcome(
                SuggestionId::new(),
                SuggestionOutcome::TicketOpened { ticket },
                at(5)
            )
            .await,
        Err(Error::NotFound { .. })
    ));
    let (got, outs) = store.suggestion(s1.id).await.unwrap().unwrap();
    assert_eq!(got, s1);
    assert_eq!(
        outs,
        [
            SuggestionOutcome::Viewed { article: b },
            SuggestionOutcome::Helped { article: b }
        ]
    );
    assert!(
        store
            .suggestion(SuggestionId::new())
            .await
            .unwrap()
            .is_none()
    );

    let first_hour = TimeRange::new(Some(at(0)), Some(at(60)));
    let d = store.deflection(&first_hour).await.unwrap();
    let want = Deflection {
        shown: 3,
        viewed: 2,
        helped: 2,
        tickets_opened: 2,
        deflected: 1,
    };
    assert_eq!(d, want);
    assert_eq!(d.rate(), Some(1.0 / 3.0));
    let all = store.deflection(&TimeRange::default()).await.unwrap();
    assert_eq!((all.shown, all.deflected), (4, 2));
    let none = store
        .deflection(&TimeRange::new(Some(at(100)), None))
        .await
        .unwrap();
    assert_eq!(none, Deflection::default());
    assert_eq!(none.rate(), None);
}

/// A new article's write (draft, then published public) with id `n`.
fn new_write(n: u128, title: &str, body: &str) -> ArticleWrite {
    let actor = lead();
    let id = ArticleId::from_uuid(Uuid::from_u128(n));
    let ctx = |e: u128| {
        KbContext::new(&actor, t0()).with_ids(id, EventId::from_uuid(Uuid::from_u128(n * 10 + e)))
    };
    let new = NewArticle::new(cat("faq"), ArticleKind::Faq, locale("en"), title, body).tag("bulk");
    let (draft, mut events) =
        kb::execute(None, &ArticleCommand::CreateDraft(new), &ctx(1)).unwrap();
    let (public, more) = kb::execute(Some(draft), &ArticleCommand::PublishPublic, &ctx(2)).unwrap();
    events.extend(more);
    ArticleWrite::new(public, events, None)
}

/// A batch stores every article, with its history, tags and search
/// documents; a conflict anywhere in a batch, or one article written twice,
/// stores nothing of it.
pub async fn kb_commit_articles_all_or_none<S: KnowledgeStore + ?Sized>(store: &S) {
    let existing = publish(
        store,
        1,
        ArticleState::Draft,
        "vpn",
        ArticleKind::HowTo,
        &[],
        &[("en", "Connect to the VPN", "Open the client.")],
    )
    .await;
    let first = new_write(101, "Bulk loaded printer guide", "Restart the spooler.");
    let second = new_write(102, "Bulk loaded scanner guide", "Clean the glass.");
    // An update of an existing article may ride along.
    let actor = lead();
    let ctx = KbContext::new(&actor, t0()).with_ids(existing.id, EventId::new());
    let (published, events) =
        kb::execute(Some(existing.clone()), &ArticleCommand::PublishPublic, &ctx).unwrap();
    let update = ArticleWrite::new(published.clone(), events, Some(existing.version));
    store
        .commit_articles(vec![first.clone(), update, second.clone()])
        .await
        .unwrap();
    for w in [&first, &second] {
        let id = w.article.id;
        assert_eq!(
            store.load_article(id).await.unwrap().as_ref(),
            Some(&w.article)
        );
        assert_eq!(store.article_history(id).await.unwrap(), w.events);
    }
    assert_eq!(
        store.load_article(existing.id).await.unwrap(),
        Some(published)
    );
    let mut tagged = SearchFilter::new();
    tagged.tags.insert("bulk".to_owned());
    let found = store
        .search_articles(&search("bulk loaded ", &["en"], tagged.clone(), 10))
        .await
        .unwrap();
    assert_eq!(ids(&found), vec![101, 102]);

    // 101 exists: the batch is refused whole, 103 included.
    let third = new_write(103, "Bulk loaded router guide", "Unplug it.");
    let again = new_write(101, "Bulk loaded printer guide", "Restart the spooler.");
    let err = store
        .commit_articles(vec![third.clone(), again])
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert_eq!(store.load_article(third.article.id).await.unwrap(), None);
    assert!(
        store
            .article_history(third.article.id)
            .await
            .unwrap()
            .is_empty()
    );
    let found = store
        .search_articles(&search("router ", &["en"], tagged, 10))
        .await
        .unwrap();
    assert!(found.hits.is_empty());

    // The same article twice in one batch is refused before storage.
    let err = store
        .commit_articles(vec![third.clone(), third.clone()])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err}");
    assert_eq!(store.load_article(third.article.id).await.unwrap(), None);
    store.commit_articles(Vec::new()).await.unwrap();
}
