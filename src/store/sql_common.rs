//! What the SQL back ends share: the SQL text, the listing and count query
//! builder, the columns derived from a ticket, and error mapping.
//!
//! `SqliteStore` and `PostgresStore` each implement the ports in plain code
//! of their own; they share statements, not control flow. Every statement
//! uses `$n` placeholders, which both PostgreSQL and SQLite (through sqlx)
//! accept, so each is written once. Where the two databases differ (the
//! lock clause of claims, how a reference is allocated) each file has its
//! own constant.

use chrono::{DateTime, Utc};
use sqlx::migrate::MigrateError;
use uuid::Uuid;

use super::{Position, Sort, TicketFilter, TicketQuery, Visibility};
use crate::error::{Error, Result};
use crate::priority::Priority;
use crate::ticket::{Channel, Ticket};

// Tickets ---------------------------------------------------------------------

/// Inserts a ticket. `$1` id, `$2` reference, then the columns of
/// [`TicketColumns`] from `$3`, then the schedule (`$17`-`$19`). A ticket
/// whose id or reference is taken is left alone (zero rows): a conflict.
pub(crate) const INSERT_TICKET: &str = "INSERT INTO tickets (id, reference, \
     status, group_id, assignee, priority, requester_id, subject, subject_lower, snapshot, \
     version, category_key, channel, created_at, updated_at, priority_rank, \
     next_deadline, sla_due, sla_policy) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
     ON CONFLICT DO NOTHING";

/// Updates a ticket still at version `$2` (`$1` id, then the columns of
/// [`TicketColumns`] from `$3`), keeping its schedule and any lease.
pub(crate) const UPDATE_TICKET: &str = "UPDATE tickets SET status = $3, group_id = $4, \
     assignee = $5, priority = $6, requester_id = $7, subject = $8, subject_lower = $9, \
     snapshot = $10, version = $11, category_key = $12, channel = $13, created_at = $14, \
     updated_at = $15, priority_rank = $16 \
     WHERE id = $1 AND version = $2";

/// Like [`UPDATE_TICKET`], and replaces the schedule (`$17`-`$19`), which
/// ends any lease on the ticket.
pub(crate) const UPDATE_TICKET_AND_SCHEDULE: &str = "UPDATE tickets SET status = $3, \
     group_id = $4, assignee = $5, priority = $6, requester_id = $7, subject = $8, \
     subject_lower = $9, snapshot = $10, version = $11, category_key = $12, channel = $13, \
     created_at = $14, updated_at = $15, priority_rank = $16, \
     next_deadline = $17, sla_due = $18, sla_policy = $19, due_lease_until = NULL \
     WHERE id = $1 AND version = $2";

/// The stored version of ticket `$1`.
pub(crate) const TICKET_VERSION: &str = "SELECT version FROM tickets WHERE id = $1";

/// Ticket `$1`'s snapshot.
pub(crate) const LOAD_TICKET: &str = "SELECT snapshot FROM tickets WHERE id = $1";

/// The snapshot of the ticket with reference `$1`.
pub(crate) const LOAD_TICKET_BY_REFERENCE: &str =
    "SELECT snapshot FROM tickets WHERE reference = $1";

/// Appends an event: ticket, seq, kind name, instant, payload.
pub(crate) const INSERT_EVENT: &str =
    "INSERT INTO events (ticket_id, seq, kind, at, payload) VALUES ($1, $2, $3, $4, $5)";

/// Ticket `$1`'s timeline.
pub(crate) const TIMELINE: &str = "SELECT payload FROM events WHERE ticket_id = $1 ORDER BY seq";

// Commands --------------------------------------------------------------------

/// Records a command (`$1` key, `$2` record, `$3` instant); a key already
/// stored is left alone (zero rows): a duplicate.
pub(crate) const INSERT_COMMAND: &str =
    "INSERT INTO commands (key, record, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// The command record stored under key `$1`.
pub(crate) const LOAD_COMMAND: &str = "SELECT record FROM commands WHERE key = $1";

// Deadline index ----------------------------------------------------------------

/// Ticket `$1`'s deadline (no row: unknown ticket).
pub(crate) const NEXT_DEADLINE: &str = "SELECT next_deadline FROM tickets WHERE id = $1";

/// Leases (until `$3`) up to `$2` tickets due at `$1` that nobody holds a
/// lease on, earliest first; `$lock` is each database's row lock clause.
macro_rules! claim_due {
    ($lock:literal) => {
        concat!(
            "WITH due AS (SELECT id FROM tickets \
             WHERE next_deadline <= $1 \
             AND (due_lease_until IS NULL OR due_lease_until <= $1) \
             ORDER BY next_deadline, id LIMIT $2 ",
            $lock,
            ") UPDATE tickets SET due_lease_until = $3 \
             WHERE id IN (SELECT id FROM due) \
             RETURNING id, next_deadline"
        )
    };
}

/// [`claim_due`] for SQLite, whose writers are serialised by the database lock.
#[cfg(feature = "sqlite")]
pub(crate) const CLAIM_DUE_SQLITE: &str = claim_due!("");
/// [`claim_due`] for PostgreSQL: rows another claimer holds are skipped.
#[cfg(feature = "postgres")]
pub(crate) const CLAIM_DUE_POSTGRES: &str = claim_due!("FOR UPDATE SKIP LOCKED");

/// Sets ticket `$1`'s deadline to `$2` and ends its lease, if it is still
/// at version `$3`.
pub(crate) const RELEASE_DUE: &str = "UPDATE tickets SET next_deadline = $2, \
     due_lease_until = NULL WHERE id = $1 AND version = $3";

// Outbox --------------------------------------------------------------------------

/// Enqueues a notification: id, idempotency key, ticket, payload, when it
/// becomes claimable. A taken id or key is left alone (zero rows).
pub(crate) const INSERT_OUTBOX: &str = "INSERT INTO outbox (id, idempotency_key, ticket_id, \
     payload, available_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";

/// Whether idempotency key `$1` was ever enqueued.
pub(crate) const OUTBOX_KEY_TAKEN: &str = "SELECT COUNT(*) FROM outbox WHERE idempotency_key = $1";

/// The ids of up to `$2` undelivered entries claimable at `$1`, oldest
/// first; `$lock` is each database's row lock clause.
macro_rules! claimable_outbox {
    ($lock:literal) => {
        concat!(
            "SELECT id FROM outbox WHERE delivered_at IS NULL AND abandoned_at IS NULL \
             AND available_at <= $1 \
             ORDER BY available_at, id LIMIT $2 ",
            $lock
        )
    };
}

/// [`claimable_outbox`] for SQLite.
#[cfg(feature = "sqlite")]
pub(crate) const CLAIMABLE_OUTBOX_SQLITE: &str = claimable_outbox!("");
/// [`claimable_outbox`] for PostgreSQL: rows another claimer holds are skipped.
#[cfg(feature = "postgres")]
pub(crate) const CLAIMABLE_OUTBOX_POSTGRES: &str = claimable_outbox!("FOR UPDATE SKIP LOCKED");

/// Hides entry `$1` from claimers until `$2` and returns it.
pub(crate) const LEASE_OUTBOX: &str = "UPDATE outbox SET available_at = $2 WHERE id = $1 \
     RETURNING payload, attempts, last_error";

/// Marks entry `$1` delivered at `$2`.
pub(crate) const MARK_DELIVERED: &str =
    "UPDATE outbox SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL";

/// Records a failed attempt on undelivered entry `$1`: claimable again at
/// `$2`, error `$3`.
pub(crate) const MARK_FAILED: &str = "UPDATE outbox SET available_at = $2, \
     attempts = attempts + 1, last_error = $3 WHERE id = $1 AND delivered_at IS NULL";

/// All entries, the delivered ones and the abandoned ones.
pub(crate) const OUTBOX_STATS: &str =
    "SELECT COUNT(*), COUNT(delivered_at), COUNT(abandoned_at) FROM outbox";

/// Gives up undelivered entry `$1` at `$2` for error `$3`: never claimed again.
pub(crate) const MARK_ABANDONED: &str = "UPDATE outbox SET abandoned_at = $2, \
     attempts = attempts + 1, last_error = $3 \
     WHERE id = $1 AND delivered_at IS NULL AND abandoned_at IS NULL";

/// Up to `$2` abandoned entries with ids above `$1`, by id.
pub(crate) const LIST_ABANDONED: &str = "SELECT payload, attempts, last_error, abandoned_at \
     FROM outbox WHERE abandoned_at IS NOT NULL AND id > $1 ORDER BY id LIMIT $2";

// Derived columns -------------------------------------------------------------------

/// The columns a commit writes besides id, reference and schedule, as
/// derived from the snapshot, in the order of `$3`-`$16` of the ticket
/// statements (the JSON snapshot itself, `$10`, is bound by each back end).
#[derive(Debug)]
pub(crate) struct TicketColumns<'a> {
    pub(crate) status: &'a str,
    pub(crate) group: Option<String>,
    pub(crate) assignee: Option<Uuid>,
    pub(crate) priority: &'static str,
    pub(crate) requester: Uuid,
    pub(crate) subject: &'a str,
    /// Lowercased in Rust, so the text filter matches exactly like the
    /// in-memory store's (Unicode-aware, unlike SQL's `lower`).
    pub(crate) subject_lower: String,
    pub(crate) version: i64,
    pub(crate) category_key: Option<String>,
    pub(crate) channel: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) priority_rank: i16,
}

impl<'a> TicketColumns<'a> {
    /// The columns of `t`.
    pub(crate) fn of(t: &'a Ticket) -> Result<Self> {
        Ok(TicketColumns {
            status: t.status.as_str(),
            group: t.group.as_ref().map(ToString::to_string),
            assignee: t.assignee.map(|a| *a.as_uuid()),
            priority: t.priority.as_str(),
            requester: *t.requester.id.as_uuid(),
            subject: &t.subject,
            subject_lower: t.subject.to_lowercase(),
            version: to_i64(t.version, "version")?,
            category_key: t.category.as_deref().map(str::to_ascii_lowercase),
            channel: channel_key(&t.channel),
            created_at: t.created_at,
            updated_at: t.updated_at,
            priority_rank: priority_rank(t.priority),
        })
    }
}

/// A channel as the `channel` column holds it: its name, or
/// `other:<name>` for [`Channel::Other`] (so `Other("email")` is not `Email`).
pub(crate) fn channel_key(c: &Channel) -> String {
    match c {
        Channel::Other(name) => format!("other:{name}"),
        known => known.to_string(),
    }
}

/// Ascending is most urgent first, as in [`Priority`]'s `Ord`.
pub(crate) fn priority_rank(p: Priority) -> i16 {
    match p {
        Priority::Critical => 0,
        Priority::High => 1,
        Priority::Medium => 2,
        Priority::Low => 3,
    }
}

/// A ticket's tags as `ticket_tags` holds them: ASCII lowercase, once each.
pub(crate) fn tag_keys(t: &Ticket) -> Vec<String> {
    let mut keys: Vec<String> = t.tags.iter().map(|s| s.to_ascii_lowercase()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The statements that make ticket `$1`'s rows in `ticket_tags` exactly
/// `keys` (`$2`...): one deleting the others, one adding the missing ones
/// (`None` when there are no tags to add).
pub(crate) fn tag_sync_sql(keys: usize) -> (String, Option<String>) {
    let params: Vec<String> = (2..keys + 2).map(|i| format!("${i}")).collect();
    let delete = if keys == 0 {
        "DELETE FROM ticket_tags WHERE ticket_id = $1".to_owned()
    } else {
        format!(
            "DELETE FROM ticket_tags WHERE ticket_id = $1 AND tag_key NOT IN ({})",
            params.join(", ")
        )
    };
    let insert = (keys > 0).then(|| {
        let rows: Vec<String> = params.iter().map(|p| format!("($1, {p})")).collect();
        format!(
            "INSERT INTO ticket_tags (ticket_id, tag_key) VALUES {} ON CONFLICT DO NOTHING",
            rows.join(", ")
        )
    });
    (delete, insert)
}

// Listing and counting ------------------------------------------------------------

/// A bind value of a built statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Text(String),
    Id(Uuid),
    Int(i64),
    SmallInt(i16),
    Time(DateTime<Utc>),
}

/// A statement with its bind values, in `$n` order.
#[derive(Debug, Default)]
pub(crate) struct Statement {
    pub(crate) sql: String,
    pub(crate) args: Vec<Arg>,
}

impl Statement {
    fn new(sql: &str) -> Self {
        Statement {
            sql: sql.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends SQL text.
    fn sql(&mut self, s: &str) -> &mut Self {
        self.sql.push_str(s);
        self
    }

    /// Appends a placeholder bound to `a`.
    fn arg(&mut self, a: Arg) -> &mut Self {
        self.args.push(a);
        self.sql.push('$');
        self.sql.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `(a, b, ...)`.
    fn list(&mut self, items: impl IntoIterator<Item = Arg>) -> &mut Self {
        self.sql.push('(');
        for (i, a) in items.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.arg(a);
        }
        self.sql.push(')');
        self
    }

    /// Appends the conditions of `filter` and `visibility`, each as `AND ...`.
    fn filter(&mut self, f: &TicketFilter, visibility: &Visibility) {
        if !f.status.is_empty() {
            self.sql(" AND status IN ")
                .list(f.status.iter().map(|s| Arg::Text(s.as_str().to_owned())));
        }
        if !f.priority.is_empty() {
            self.sql(" AND priority IN ")
                .list(f.priority.iter().map(|p| Arg::Text(p.as_str().to_owned())));
        }
        if let Some(g) = &f.group {
            self.sql(" AND group_id = ").arg(Arg::Text(g.to_string()));
        }
        if let Some(a) = &f.assignee {
            self.sql(" AND assignee = ").arg(Arg::Id(*a.as_uuid()));
        }
        if let Some(r) = &f.requester {
            self.sql(" AND requester_id = ").arg(Arg::Id(*r.as_uuid()));
        }
        if let Some(t) = &f.text {
            self.sql(" AND subject_lower LIKE ")
                .arg(Arg::Text(format!("%{}%", like_escape(&t.to_lowercase()))))
                .sql(" ESCAPE '\\'");
        }
        if let Some(c) = &f.category {
            // This category or one below it, as `condition::category_within`.
            let key = c.to_ascii_lowercase();
            self.sql(" AND (category_key = ")
                .arg(Arg::Text(key.clone()))
                .sql(" OR category_key LIKE ")
                .arg(Arg::Text(format!("{}/%", like_escape(&key))))
                .sql(" ESCAPE '\\')");
        }
        for tag in &f.tags {
            self.sql(
                " AND EXISTS (SELECT 1 FROM ticket_tags \
                 WHERE ticket_tags.ticket_id = tickets.id AND ticket_tags.tag_key = ",
            )
            .arg(Arg::Text(tag.to_ascii_lowercase()))
            .sql(")");
        }
        if !f.channel.is_empty() {
            self.sql(" AND channel IN ")
                .list(f.channel.iter().map(|c| Arg::Text(channel_key(c))));
        }
        for (column, range) in [("created_at", &f.created), ("updated_at", &f.updated)] {
            let Some(range) = range else { continue };
            if let Some(from) = range.from {
                self.sql(" AND ")
                    .sql(column)
                    .sql(" >= ")
                    .arg(Arg::Time(from));
            }
            if let Some(to) = range.to {
                self.sql(" AND ").sql(column).sql(" < ").arg(Arg::Time(to));
            }
        }
        if !f.sla_due_by.is_empty() {
            self.sql(" AND (");
            for (i, (policy, by)) in f.sla_due_by.iter().enumerate() {
                if i > 0 {
                    self.sql(" OR ");
                }
                self.sql("(sla_policy = ")
                    .arg(Arg::Text(policy.clone()))
                    .sql(" AND sla_due <= ")
                    .arg(Arg::Time(*by))
                    .sql(")");
            }
            self.sql(")");
        }
        match visibility {
            Visibility::All => {}
            Visibility::Requester(c) => {
                self.sql(" AND requester_id = ").arg(Arg::Id(*c.as_uuid()));
            }
            Visibility::Agent { id, groups } => {
                // `access::agent_sees`: unrouted, assigned to them, or in their groups.
                self.sql(" AND (group_id IS NULL OR assignee = ")
                    .arg(Arg::Id(*id.as_uuid()));
                if !groups.is_empty() {
                    self.sql(" OR group_id IN ")
                        .list(groups.iter().map(|g| Arg::Text(g.to_string())));
                }
                self.sql(")");
            }
        }
    }
}

/// The `ORDER BY` of each sort. `Sort::NextDue` sorts on `sla_due IS NULL`
/// first, which puts tickets without an SLA due last on both databases and
/// matches the `tickets_next_due` index.
fn order_by(sort: Sort) -> &'static str {
    match sort {
        Sort::NextDue => " ORDER BY sla_due IS NULL, sla_due, id",
        Sort::Priority => " ORDER BY priority_rank, id",
        Sort::Updated => " ORDER BY updated_at DESC, id DESC",
        Sort::Created => " ORDER BY id",
    }
}

/// Builds the listing statement: the filters, the keyset condition after
/// the cursor's position, the sort's order, and one row more than the page
/// to know whether another follows. Selects `snapshot, sla_due`.
pub(crate) fn list_sql(query: &TicketQuery) -> Result<Statement> {
    query.validate()?;
    let mut s = Statement::new("SELECT snapshot, sla_due FROM tickets WHERE TRUE");
    s.filter(&query.filter, &query.visibility);
    match query.position()? {
        None => {}
        Some(Position::Created(id)) => {
            s.sql(" AND id > ").arg(Arg::Id(*id.as_uuid()));
        }
        Some(Position::NextDue(Some(due), id)) => {
            s.sql(" AND (sla_due IS NULL, sla_due, id) > (FALSE, ")
                .arg(Arg::Time(due))
                .sql(", ")
                .arg(Arg::Id(*id.as_uuid()))
                .sql(")");
        }
        Some(Position::NextDue(None, id)) => {
            s.sql(" AND sla_due IS NULL AND id > ")
                .arg(Arg::Id(*id.as_uuid()));
        }
        Some(Position::Priority(p, id)) => {
            s.sql(" AND (priority_rank, id) > (")
                .arg(Arg::SmallInt(priority_rank(p)))
                .sql(", ")
                .arg(Arg::Id(*id.as_uuid()))
                .sql(")");
        }
        Some(Position::Updated(at, id)) => {
            s.sql(" AND (updated_at, id) < (")
                .arg(Arg::Time(at))
                .sql(", ")
                .arg(Arg::Id(*id.as_uuid()))
                .sql(")");
        }
    }
    s.sql(order_by(query.sort)).sql(" LIMIT ");
    // The limit was validated to be at most `TicketQuery::MAX_LIMIT`.
    s.arg(Arg::Int(query.limit as i64 + 1));
    Ok(s)
}

/// Builds the count statement for `filter` within `visibility`.
pub(crate) fn count_sql(filter: &TicketFilter, visibility: &Visibility) -> Statement {
    let mut s = Statement::new("SELECT COUNT(*) FROM tickets WHERE TRUE");
    s.filter(filter, visibility);
    s
}

// Conversions and errors ------------------------------------------------------------

/// Wraps a driver error with what the store was doing. A stored value that
/// does not decode (a snapshot that is not a ticket, say) is
/// [`Error::Corrupt`]; anything else is [`Error::Store`].
pub(crate) fn db(what: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| match e {
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => Error::corrupt(
            format!("{what}: a stored row does not decode"),
            Some(e.into()),
        ),
        e => Error::store(what, e),
    }
}

/// Counts and versions are `u64` in the crate and `BIGINT` in the database;
/// anything beyond `i64::MAX` cannot come from a real desk.
pub(crate) fn to_i64(v: u64, what: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::store_msg(format!("{what} {v} does not fit in BIGINT")))
}

/// The inverse of [`to_i64`]; a negative value means the row was edited by hand.
pub(crate) fn to_u64(v: i64, what: &str) -> Result<u64> {
    u64::try_from(v).map_err(|_| Error::corrupt(format!("stored {what} {v} is negative"), None))
}

/// Escapes `\`, `%` and `_` for a `LIKE ... ESCAPE '\'` pattern.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Explains migration failures, above all a schema newer than this crate.
pub(crate) fn migrate_error(e: MigrateError) -> Error {
    let message = match &e {
        MigrateError::VersionMissing(v) => format!(
            "the database schema was migrated by a newer helpdesk version \
             (migration {v} is unknown to this version); upgrade helpdesk"
        ),
        MigrateError::VersionMismatch(v) => format!(
            "migration {v} applied to the database differs from this helpdesk version's; \
             the database was migrated by another build of helpdesk"
        ),
        _ => "cannot migrate the database schema".to_owned(),
    };
    Error::store(message, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escape_escapes_wildcards() {
        assert_eq!(like_escape(r"50%_off\x"), r"50\%\_off\\x");
    }

    #[test]
    fn tag_sync_statements() {
        assert_eq!(
            tag_sync_sql(0),
            (
                "DELETE FROM ticket_tags WHERE ticket_id = $1".to_owned(),
                None
            )
        );
        let (delete, insert) = tag_sync_sql(2);
        assert_eq!(
            delete,
            "DELETE FROM ticket_tags WHERE ticket_id = $1 AND tag_key NOT IN ($2, $3)"
        );
        assert_eq!(
            insert.as_deref(),
            Some(
                "INSERT INTO ticket_tags (ticket_id, tag_key) VALUES ($1, $2), ($1, $3) \
                 ON CONFLICT DO NOTHING"
            )
        );
    }

    #[test]
    fn channel_keys_keep_other_apart() {
        assert_eq!(channel_key(&Channel::Email), "email");
        assert_eq!(channel_key(&Channel::Other("email".into())), "other:email");
    }

    #[test]
    fn migration_versions_match_between_back_ends() {
        let versions = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| {
                    let name = e.unwrap().file_name().into_string().unwrap();
                    name.split('_').next().unwrap().to_owned()
                })
                .collect();
            v.sort();
            v
        };
        let root = env!("CARGO_MANIFEST_DIR");
        let sqlite = versions(&format!("{root}/migrations/sqlite"));
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions(&format!("{root}/migrations/postgres")));
    }
}

/// What the SQL back ends' own tests share: data as version 1 of the
/// schema stored it, and the checks that migration 0002 filled the new
/// columns from it.
#[cfg(test)]
pub(crate) mod test_support {
    use std::collections::BTreeSet;

    use chrono::Duration;

    use crate::priority::Priority;
    use crate::store::conformance::{created, note, t0};
    use crate::store::{Sort, Store, TicketFilter, TicketQuery};
    use crate::ticket::{Channel, Ticket, TicketEvent};

    /// Version 1's ticket insert (the old `impl_sql_store!` macro's).
    pub(crate) const V1_INSERT_TICKET: &str = "INSERT INTO tickets (id, reference, status, \
         group_id, assignee, priority, requester_id, subject, subject_lower, snapshot, version, \
         next_deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    /// Version 1's event insert.
    pub(crate) const V1_INSERT_EVENT: &str =
        "INSERT INTO events (ticket_id, seq, payload) VALUES ($1, $2, $3)";

    /// Three tickets with their timelines, as a desk on version 1 wrote
    /// them: one with instants carrying nanoseconds, an upper-case category
    /// and tags, and a named channel; one as the fixture makes it; one
    /// without category or tags whose deadline was set.
    pub(crate) fn v1_tickets() -> Vec<(Ticket, Vec<TicketEvent>)> {
        let (mut a, mut ae) = created(crate::TicketRef(1001), "Odd instants");
        ae.at = t0() + Duration::nanoseconds(123_456_789);
        a.created_at = ae.at;
        a.updated_at = ae.at;
        a.category = Some("Network/VPN".into());
        a.tags = BTreeSet::from(["VIP".to_owned(), "vpn".to_owned(), "Vpn".to_owned()]);
        a.channel = Channel::Other("walk-in".into());
        a.priority = Priority::High;
        let a2 = note(&mut a, "a note a second later");
        let (mut b, be) = created(crate::TicketRef(1002), "Plain");
        let b2 = note(&mut b, "noted");
        let (mut c, ce) = created(crate::TicketRef(1003), "Bare");
        c.category = None;
        c.tags.clear();
        c.channel = Channel::Phone;
        c.priority = Priority::Low;
        vec![(a, vec![ae, a2]), (b, vec![be, b2]), (c, vec![ce])]
    }

    /// The deadline version 1 stored for the third ticket.
    pub(crate) fn v1_deadline() -> chrono::DateTime<chrono::Utc> {
        t0() + Duration::hours(4)
    }

    /// Checks, through the store, that the migrated data reads and lists as
    /// it would had it been written by this version.
    pub(crate) async fn check_migrated(store: &dyn Store, data: &[(Ticket, Vec<TicketEvent>)]) {
        let ids: Vec<_> = data.iter().map(|(t, _)| t.id).collect();
        for (t, events) in data {
            assert_eq!(store.load(t.id).await.unwrap().as_ref(), Some(t));
            assert_eq!(&store.timeline(t.id).await.unwrap(), events);
        }
        assert_eq!(
            store.next_deadline(ids[2]).await.unwrap(),
            Some(v1_deadline())
        );
        let list = |f: TicketFilter, sort: Sort| async move {
            store
                .list(&TicketQuery::new(f, 10).sort(sort))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|t| t.id)
                .collect::<Vec<_>>()
        };
        let f = TicketFilter::default;
        assert_eq!(list(f().category("network"), Sort::Created).await, ids[..2]);
        assert_eq!(
            list(f().tag("vip").tag("VPN"), Sort::Created).await,
            ids[..1]
        );
        assert_eq!(
            list(
                f().channel([Channel::Other("walk-in".into())]),
                Sort::Created
            )
            .await,
            ids[..1]
        );
        assert_eq!(
            list(
                f().created(Some(t0() + Duration::microseconds(123_456)), None),
                Sort::Created
            )
            .await,
            ids[..1]
        );
        assert_eq!(
            list(
                f().created(None, Some(t0() + Duration::microseconds(123_457))),
                Sort::Created
            )
            .await,
            ids
        );
        assert_eq!(list(f(), Sort::Priority).await, ids);
        // Changed last: the first (a second and a fraction after t0), then
        // the second (a second after), then the third (never).
        assert_eq!(list(f(), Sort::Updated).await, ids);
    }
}

/// Retention's delete of one ticket (`$1`): every table that keeps rows
/// per ticket, the ticket last (the others refer to it). Runs inside the
/// privileged write that lets it past the append-only triggers.
pub(crate) const DELETE_TICKET: [&str; 9] = [
    "DELETE FROM events WHERE ticket_id = $1",
    "DELETE FROM ticket_tags WHERE ticket_id = $1",
    "DELETE FROM outbox WHERE ticket_id = $1",
    "DELETE FROM metric_spans WHERE ticket_id = $1",
    "DELETE FROM metric_rows WHERE ticket_id = $1",
    "DELETE FROM metric_bodies WHERE ticket_id = $1",
    "DELETE FROM attachments WHERE ticket_id = $1",
    "DELETE FROM inbound_messages WHERE ticket_id = $1",
    "DELETE FROM tickets WHERE id = $1",
];

/// Attachment contents that no attachment refers to any more.
pub(crate) const DELETE_ORPHAN_BLOBS: &str =
    "DELETE FROM attachment_blobs WHERE sha256 NOT IN (SELECT sha256 FROM attachments)";
