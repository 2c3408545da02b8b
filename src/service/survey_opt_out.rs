//! Survey opt-outs on the desk: a requester asks to be sent no
//! satisfaction surveys (or to get them again), for themselves through the
//! portal, or an admin records it for them. `run_due` then skips the
//! requester's invitations with [`Exclusion::OptedOut`](crate::survey::Exclusion).
//! Kept by the report store ([`ReportStore::set_survey_opt_out`](crate::store::ReportStore::set_survey_opt_out)).

use chrono::{DateTime, Utc};

use super::{HelpDesk, Portal};
use crate::access::Actor;
use crate::action::Action;
use crate::error::Result;
use crate::id::CustomerId;

/// Requesters may manage their own opt-out; admins (and the system)
/// anyone's.
fn authorize(actor: &Actor, customer: CustomerId) -> Result<()> {
    match actor {
        Actor::Requester { id } if *id == customer => Ok(()),
        _ => actor.authorize(Action::SetSurveyOptOut, None),
    }
}

impl HelpDesk {
    /// Opts `customer` out of satisfaction surveys (`opted_out`), or back
    /// in: while out, every invitation that comes due for one of their
    /// tickets is skipped (`SurveySkipped` with
    /// [`Exclusion::OptedOut`](crate::survey::Exclusion::OptedOut)).
    /// Requesters for themselves, admins for anyone; others are
    /// [`Error::Forbidden`](crate::Error::Forbidden). A desk without a
    /// report store (where opt-outs are kept) is
    /// [`Error::NotConfigured`](crate::Error::NotConfigured).
    ///
    /// ```
    /// use helpdesk::{Actor, AgentId, CustomerId, HelpDesk};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let desk = HelpDesk::builder().build()?;
    /// let ada = CustomerId::new();
    /// desk.set_survey_opt_out(&Actor::admin(AgentId::new()), ada, true).await?;
    /// assert!(desk.portal(ada).survey_opt_out().await?.is_some());
    /// desk.portal(ada).opt_in_to_surveys().await?;
    /// assert!(desk.portal(ada).survey_opt_out().await?.is_none());
    /// # Ok::<(), helpdesk::Error>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn set_survey_opt_out(
        &self,
        actor: &Actor,
        customer: CustomerId,
        opted_out: bool,
    ) -> Result<()> {
        authorize(actor, customer)?;
        let at = opted_out.then(|| self.inner.clock.now());
        self.report_store()?.set_survey_opt_out(customer, at).await
    }

    /// Since when `customer` has opted out of surveys (`None`: they take
    /// them). Same access as [`set_survey_opt_out`](Self::set_survey_opt_out).
    pub async fn survey_opt_out(
        &self,
        actor: &Actor,
        customer: CustomerId,
    ) -> Result<Option<DateTime<Utc>>> {
        authorize(actor, customer)?;
        self.report_store()?.survey_opt_out(customer).await
    }
}

impl Portal<'_> {
    /// The requester asks to be sent no more satisfaction surveys.
    pub async fn opt_out_of_surveys(&self) -> Result<()> {
        let me = self.customer();
        self.desk()
            .set_survey_opt_out(&Actor::requester(me), me, true)
            .await
    }

    /// The requester takes surveys again.
    pub async fn opt_in_to_surveys(&self) -> Result<()> {
        let me = self.customer();
        self.desk()
            .set_survey_opt_out(&Actor::requester(me), me, false)
            .await
    }

    /// Since when the requester has opted out of surveys, if they have.
    pub async fn survey_opt_out(&self) -> Result<Option<DateTime<Utc>>> {
        let me = self.customer();
        self.desk().survey_opt_out(&Actor::requester(me), me).await
    }
}
