//! Satisfaction surveys on the desk: the invitation filed in the deadline
//! index when a ticket is resolved and sent (or skipped) by `run_due`, and
//! the requester's rating, through the link's token or the portal.
//!
//! The decisions are the pure [`survey`](crate::survey) module's; this
//! module reads the timeline, the requester's other tickets (for the
//! throttle) and the clock, signs the tokens and records the events.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{Draft, HelpDesk, Portal};
use crate::access::Visibility;
use crate::calendar::BusinessCalendar;
use crate::error::{Error, Result};
use crate::id::{CustomerId, TicketId};
use crate::notify::{Notification, SurveyLink};
use crate::store::{TicketFilter, TicketQuery, TimeRange};
use crate::survey::{
    Invitation, Invited, Rating, RatingStatus, RequesterSurveys, Skipped, SurveyError,
    SurveyHistory, SurveyKey, SurveyPolicy, TokenClaims, exclusion, invitation_due, rating_status,
    verify,
};
use crate::ticket::{EventActor, EventKind, StatusCategory, Ticket, TicketEvent};

/// The desk's survey settings: the policy and the application's key.
#[derive(Debug)]
pub(super) struct Surveys {
    pub(super) policy: SurveyPolicy,
    pub(super) key: SurveyKey,
}

impl HelpDesk {
    /// The survey policy the desk sends by, if it sends surveys: a rating
    /// page offers its [`scale`](SurveyPolicy::scale) and
    /// [`reasons`](SurveyPolicy::reasons).
    pub fn survey_policy(&self) -> Option<&SurveyPolicy> {
        self.inner.surveys.as_ref().map(|s| &s.policy)
    }

    /// What the survey page of `token` shows: the ticket as its requester
    /// sees it, and where the rating of the token's cycle stands (the
    /// current answer; why a rating is refused, if it is). The token is
    /// checked as by [`rate`](Self::rate): malformed, forged or expired is
    /// an [`Error::Survey`] with a [`TokenError`](crate::survey::TokenError).
    pub async fn survey(
        &self,
        token: &str,
    ) -> Result<(crate::ticket::RequesterTicket, RatingStatus)> {
        let surveys = self.surveys()?;
        let claims =
            verify(&surveys.key, token, self.inner.clock.now()).map_err(SurveyError::from)?;
        let events = self.inner.store.timeline(claims.ticket).await?;
        if events.is_empty() {
            return Err(Error::not_found("ticket", claims.ticket));
        }
        let ticket = Ticket::replay(&events)?;
        let by = EventActor::Requester(ticket.requester.id);
        let status = rating_status(&events, &self.inner.lifecycle, &by, Some(claims.cycle));
        Ok((self.portal(ticket.requester.id).view(&ticket), status))
    }

    /// The survey settings, or the error saying the desk sends none.
    fn surveys(&self) -> Result<&Surveys> {
        self.inner.surveys.as_ref().ok_or(Error::NotConfigured {
            what: "survey policy",
            how: "add a [surveys] table to the configuration (or call HelpDeskBuilder::surveys) \
                  and pass the signing key with HelpDeskBuilder::survey_key",
        })
    }

    /// The calendar a survey delay counts business time in: the ticket's
    /// SLA calendar, or always open without SLA policies.
    fn survey_calendar(&self, ticket: &Ticket, events: &[TicketEvent]) -> &BusinessCalendar {
        self.inner
            .sla
            .as_ref()
            .map_or(&self.inner.open_calendar, |sla| {
                super::derive::policy_for(sla, events.iter(), ticket).calendar
            })
    }

    /// The invitation the draft's ticket waits for, if the desk sends
    /// surveys and the ticket is resolved with its cycle not yet handled.
    pub(super) async fn survey_due(&self, d: &mut Draft) -> Result<Option<Invitation>> {
        let Some(surveys) = &self.inner.surveys else {
            return Ok(None);
        };
        // Most commits are on tickets that are not resolved: no read.
        if self.inner.lifecycle.category(&d.ticket.status) != Some(StatusCategory::Done) {
            return Ok(None);
        }
        let events = self.full_timeline(d).await?;
        let history = SurveyHistory::of_timeline(events.iter());
        let calendar = self.survey_calendar(&d.ticket, &events);
        invitation_due(
            &events,
            &self.inner.lifecycle,
            &surveys.policy,
            calendar,
            &history,
        )
    }

    /// The stored timeline followed by the draft's events.
    async fn full_timeline(&self, d: &mut Draft) -> Result<Vec<TicketEvent>> {
        let stored = self.stored_timeline(d).await?;
        Ok(stored
            .as_deref()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .chain(&d.events)
            .cloned()
            .collect())
    }

    /// Sends or skips the invitation `due` at the draft's instant: records
    /// `SurveySent` (the commit then enqueues the requester's notification
    /// with the link) or `SurveySkipped` with the reason.
    pub(super) async fn invite(&self, d: &mut Draft, due: Invitation) -> Result<()> {
        let surveys = self.surveys()?;
        let last = self.last_surveyed(d.ticket.requester.id, d.at).await?;
        let opted_out = match &self.inner.reports {
            Some(reports) => reports
                .survey_opt_out(d.ticket.requester.id)
                .await?
                .is_some(),
            None => false,
        };
        let requester = RequesterSurveys::new(opted_out, last);
        let kind = match exclusion(&d.ticket, &surveys.policy, &requester, d.at) {
            None => {
                // The token counts whole seconds; the event keeps the same
                // expiry, so the link and the timeline agree.
                let expires = surveys.policy.expiry(d.at);
                let claims = TokenClaims::new(d.ticket.id, due.cycle, expires);
                EventKind::SurveySent(Invited::new(due.cycle, claims.expires_at))
            }
            Some(why) => EventKind::SurveySkipped(Skipped::new(due.cycle, why)),
        };
        d.record_as(EventActor::System, kind)
    }

    /// When `requester` was last sent a survey, for the throttle: the
    /// latest `SurveySent` on their tickets changed within the throttle
    /// window. `None` without a throttle (nothing is read then).
    ///
    /// Two of the requester's tickets coming due at the same instant on
    /// two nodes can both be sent: the throttle is a courtesy, not a lock.
    async fn last_surveyed(
        &self,
        requester: CustomerId,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let Some(days) = self.surveys()?.policy.throttle_days else {
            return Ok(None);
        };
        let since = now - Duration::days(i64::from(days));
        let filter = TicketFilter {
            requester: Some(requester),
            updated: Some(TimeRange::new(Some(since), None)),
            ..TicketFilter::default()
        };
        let mut query = TicketQuery::new(filter, TicketQuery::MAX_LIMIT);
        query.visibility = Visibility::All;
        let mut last: Option<DateTime<Utc>> = None;
        loop {
            let page = self.inner.store.list(&query).await?;
            for t in &page.items {
                let sent = self
                    .inner
                    .store
                    .timeline(t.id)
                    .await?
                    .iter()
                    .rev()
                    .find(|e| matches!(e.kind, EventKind::SurveySent(_)))
                    .map(|e| e.at);
                last = last.max(sent);
            }
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(last),
            }
        }
    }

    /// The invitations the draft's `SurveySent` events send: one to the
    /// requester each, carrying the signed link.
    pub(super) fn survey_invitations(
        &self,
        d: &Draft,
        time_zone: chrono_tz::Tz,
    ) -> Vec<Notification> {
        let Some(surveys) = &self.inner.surveys else {
            return Vec::new();
        };
        d.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::SurveySent(i) => Some((e, i)),
                _ => None,
            })
            .map(|(e, i)| {
                let token = TokenClaims::new(d.ticket.id, i.cycle, i.expires_at).sign(&surveys.key);
                let link = SurveyLink {
                    cycle: i.cycle,
                    url: surveys.policy.link(&token),
                    token,
                    expires_at: i.expires_at,
                };
                crate::notify::plan::survey_invitation(&d.ticket, e, link, time_zone)
            })
            .collect()
    }

    /// Records the requester's rating from a survey link: `token` is the
    /// one the invitation carried ([`SurveyLink::token`]). Checked in this
    /// order: the token (malformed, forged, expired: [`Error::Survey`] with
    /// a [`TokenError`](crate::survey::TokenError)), then the ticket (closed,
    /// or reopened and resolved again since: a
    /// [`RatingRefused`](crate::survey::RatingRefused)), then the rating's
    /// fit with the policy. Rating again replaces the earlier answer, until
    /// the ticket closes. Returns the ticket.
    ///
    /// ```
    /// use helpdesk::survey::{Rating, Score, SurveyError, SurveyKey, SurveyPolicy, TokenError};
    /// use helpdesk::{Error, HelpDesk};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let key = SurveyKey::new(*b"an application secret of 32 byte")?;
    /// let desk = HelpDesk::builder().surveys(SurveyPolicy::default()).survey_key(key).build()?;
    /// let err = desk.rate("not-a-token", Rating::new(Score::Good)).await.unwrap_err();
    /// assert!(matches!(err, Error::Survey(SurveyError::Token(TokenError::Malformed { .. }))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn rate(&self, token: &str, rating: Rating) -> Result<Ticket> {
        let surveys = self.surveys()?;
        let now = self.inner.clock.now();
        let claims = verify(&surveys.key, token, now).map_err(SurveyError::from)?;
        self.traced(
            "rate",
            Some(claims.ticket),
            crate::ActorKind::Requester,
            self.rate_ticket(claims.ticket, None, Some(claims.cycle), rating),
        )
        .await
    }

    /// Records a rating of `id`'s `cycle` (`None`: its latest) by `by`
    /// (`None`: the ticket's requester, whom the token vouches for).
    async fn rate_ticket(
        &self,
        id: TicketId,
        by: Option<CustomerId>,
        cycle: Option<u32>,
        rating: Rating,
    ) -> Result<Ticket> {
        let surveys = self.surveys()?;
        self.retrying(|| {
            let rating = rating.clone();
            async move {
                let events = self.inner.store.timeline(id).await?;
                if events.is_empty() {
                    return Err(Error::not_found("ticket", id));
                }
                let ticket = Ticket::replay(&events)?;
                let by = EventActor::Requester(by.unwrap_or(ticket.requester.id));
                let rated = crate::survey::rate(
                    &events,
                    &self.inner.lifecycle,
                    &surveys.policy,
                    &by,
                    cycle,
                    rating,
                )?;
                let mut d = Draft::on(ticket, self.inner.clock.now());
                d.stored = Some(Arc::new(events));
                d.record_as(by, EventKind::SatisfactionRated(rated))?;
                let mut written = self.write(vec![d], None).await?;
                written
                    .pop()
                    .ok_or_else(|| Error::internal("a rating wrote no ticket"))
            }
        })
        .await
    }
}

impl Portal<'_> {
    /// Rates the requester's own ticket `id`, resolved: its latest
    /// resolution cycle, until it closes (a rating again replaces the
    /// earlier one). A ticket of someone else's is not found, as
    /// everywhere in the portal; a ticket never resolved, or closed, is an
    /// [`Error::Survey`].
    pub async fn rate(
        &self,
        id: TicketId,
        rating: Rating,
    ) -> Result<crate::ticket::RequesterTicket> {
        let desk = self.desk();
        desk.load_visible(&crate::Actor::requester(self.customer()), id)
            .await?;
        let t = desk
            .traced(
                "rate",
                Some(id),
                crate::ActorKind::Requester,
                desk.rate_ticket(id, Some(self.customer()), None, rating),
            )
            .await?;
        Ok(self.view(&t))
    }

    /// Where the rating of the requester's own ticket `id` stands: its
    /// latest resolution cycle, the current answer, and why a rating is
    /// refused now, if it is (never resolved, closed). A ticket of someone
    /// else's is not found.
    pub async fn rating(&self, id: TicketId) -> Result<RatingStatus> {
        let desk = self.desk();
        desk.surveys()?;
        desk.load_visible(&crate::Actor::requester(self.customer()), id)
            .await?;
        let events = desk.inner.store.timeline(id).await?;
        let by = EventActor::Requester(self.customer());
        Ok(rating_status(&events, &desk.inner.lifecycle, &by, None))
    }
}
