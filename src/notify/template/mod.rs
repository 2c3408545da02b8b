//! Notifications worded by templates, in the recipient's language.
//!
//! A [`TemplateRenderer`] words each notification at delivery with a
//! [minijinja](https://docs.rs/minijinja) template chosen by the
//! recipient's [`Locale`] (a requester's
//! [`locale`](crate::Requester::locale)), falling back to the language
//! alone (`pt-BR` to `pt`), then the desk's default locale, then English.
//! Instants are written in the recipient's time zone (a requester's
//! [`time_zone`](crate::Requester::time_zone), else the SLA calendar's)
//! and in their language's conventions (`mardi 10 mars 2026 à 11:00
//! (EDT)`).
//!
//! Built-in templates word every [`NotificationKind`] in English (`en`),
//! French (`fr`), Greek (`el`), Russian (`ru`) and Hungarian (`hu`). The
//! embedding app overrides any of them, or adds a language, from strings
//! ([`TemplateRendererBuilder::template`]) or a directory
//! ([`TemplateRendererBuilder::directory`]). Every template is compiled and
//! tried on sample facts when the renderer is built, so a bad one is a
//! [`TemplateError`] naming the template and the line when the desk is
//! built, not a failed delivery later.
//!
//! # Writing a template
//!
//! A template is named `{locale}/{kind}.txt` (e.g. `fr/agent_replied.txt`)
//! and defines two blocks, `subject` and `body`:
//!
//! ```text
//! {% block subject %}[{{ reference }}] {{ subject }}{% endblock %}
//! {% block body %}
//! Bonjour {{ name or "" }},
//!
//! Nous avons bien reçu votre demande ({{ reference }}).
//! {% endblock %}
//! ```
//!
//! The subject is taken as one line; in the body, blank lines separate
//! paragraphs. The HTML part is made from the same body, every value in
//! it HTML-escaped, one `<p>` per paragraph; a `{locale}/{kind}.html`
//! template, when given, makes the whole HTML part instead (with
//! autoescaping). `{locale}/_{name}.txt` files hold shared macros
//! (the built-in ones import `{locale}/_common.txt`).
//!
//! Variables (every one is always defined; unset ones are `none`, and an
//! unknown name is an error):
//!
//! | variable | value |
//! |---|---|
//! | `kind` | the [`NotificationKind`] name, e.g. `agent_replied` |
//! | `locale` | the template's locale, e.g. `fr` |
//! | `reference` | the ticket's reference, e.g. `#1042` |
//! | `subject` | the ticket's subject |
//! | `priority` | `critical`, `high`, `medium` or `low` |
//! | `name` | the recipient's name (requesters) |
//! | `to_requester` | whether the recipient is the requester |
//! | `desk` | the desk's name, when configured ([`TemplateRendererBuilder::desk_name`]) |
//! | `body` | the reply or customer message |
//! | `status`, `status_category` | a new status's label and its category (`initial`, `active`, `paused`, `done`) |
//! | `first_response` | the promise of an acknowledgment: `hours` (whole hours, else `none`), `minutes`, `business_hours`, `due` |
//! | `metric` | the SLA metric of a warning or breach: `first_response`, `next_response`, `periodic_update`, `resolution` |
//! | `due` | the due of a warning, breach or escalation, as a localized date and time |
//! | `level`, `reason`, `actions` | what an escalation fired, why, and what it did |
//! | `time_zone` | the zone instants are shown in, e.g. `Europe/Paris` |
//! | `survey` | a survey invitation's `link` (the survey page, else the bare token) and `until` (when it expires, localized) |
//!
//! and one function, `plural(n, one, other)` (`plural(n, one, few, many)` for
//! Russian), which picks the form that goes with `n` in the template's
//! language.
//!
//! ```
//! use helpdesk::notify::{Render, TemplateRenderer};
//! use helpdesk::NotificationKind;
//! # let mut n = helpdesk::doc_support::example_notification();
//! let renderer = TemplateRenderer::builder()
//!     .default_locale("fr".parse()?)
//!     .template(
//!         "fr",
//!         NotificationKind::Acknowledged,
//!         "{% block subject %}[{{ reference }}] Bien reçu{% endblock %}\
//!          {% block body %}Merci ! Votre référence : {{ reference }}.{% endblock %}",
//!     )
//!     .build()?;
//! let m = renderer.render(&n)?; // no locale on the notification: the default, fr
//! assert_eq!(m.subject, "[#1042] Bien reçu");
//! assert_eq!(m.text, "Merci ! Votre référence : #1042.");
//!
//! // A template that uses a variable that does not exist fails at build.
//! let err = TemplateRenderer::builder()
//!     .template("fr", NotificationKind::Acknowledged,
//!         "{% block subject %}x{% endblock %}{% block body %}\n{{ customer }}{% endblock %}")
//!     .build()
//!     .unwrap_err();
//! assert_eq!(err.template(), "fr/acknowledged.txt");
//! assert_eq!(err.line(), Some(2));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod builtin;
mod words;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use minijinja::value::Rest;
use minijinja::{AutoEscape, Environment, State, UndefinedBehavior};
use serde::Serialize;

use super::{Facts, Message, Notification, NotificationKind, Promise, Recipient, Render};
use crate::BusinessDuration;
use crate::error::Result;
use crate::locale::Locale;
use crate::priority::Priority;
use crate::ticket::{EventActor, Metric, StatusCategory};

use builtin::BUILTIN;

/// The locales the built-in templates cover.
pub const BUILTIN_LOCALES: [&str; 5] = ["en", "fr", "el", "ru", "hu"];

/// A notification template that does not compile or fails on sample facts.
///
/// ```
/// use helpdesk::notify::TemplateRenderer;
/// use helpdesk::NotificationKind;
/// let err = TemplateRenderer::builder()
///     .template("el", NotificationKind::AgentReplied, "{% block subject %}{{ subject }{% endblock %}")
///     .build()
///     .unwrap_err();
/// assert_eq!(err.template(), "el/agent_replied.txt");
/// assert_eq!(err.line(), Some(1));
/// assert!(err.to_string().starts_with("notification template el/agent_replied.txt, line 1: syntax error"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notification template {template}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct TemplateError {
    template: String,
    line: Option<usize>,
    message: String,
}

impl TemplateError {
    fn new(template: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        TemplateError {
            template: template.into(),
            line,
            message: message.into(),
        }
    }

    /// From minijinja's error, naming the template it happened in (an
    /// imported one, if that is where), else `template`.
    fn from_engine(template: &str, e: &minijinja::Error) -> Self {
        let what = match e.detail() {
            Some(detail) => format!("{}: {detail}", e.kind()),
            None => e.kind().to_string(),
        };
        TemplateError::new(e.name().unwrap_or(template), e.line(), what)
    }

    /// The template's name, e.g. `fr/acknowledged.txt` (or a directory or
    /// file that could not be read).
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The line of the template the error is on, when known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Words notifications with templates, in the recipient's language. See
/// the [module docs](self).
///
/// [`TemplateRenderer::default`] is the built-in templates with English
/// as the default locale: what a desk uses unless told otherwise.
pub struct TemplateRenderer {
    env: Environment<'static>,
    default: Locale,
    desk: Option<String>,
    /// Names of the templates the environment holds.
    names: BTreeSet<String>,
}

impl fmt::Debug for TemplateRenderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemplateRenderer")
            .field("default", &self.default)
            .field("desk", &self.desk)
            .field("templates", &self.names.len())
            .finish_non_exhaustive()
    }
}

impl Default for TemplateRenderer {
    fn default() -> Self {
        // The built-ins are tried on sample facts by this crate's tests
        // (`builtin_templates_build`), so building them cannot fail.
        TemplateRenderer::builder()
            .build()
            .expect("the built-in templates build")
    }
}

impl TemplateRenderer {
    /// Starts a builder: the built-in templates, English by default.
    pub fn builder() -> TemplateRendererBuilder {
        TemplateRendererBuilder::default()
    }

    /// One shared renderer with the built-in templates (built once per
    /// process: what a desk uses when it is given no renderer).
    pub fn builtin() -> Arc<TemplateRenderer> {
        static BUILTIN: OnceLock<Arc<TemplateRenderer>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| Arc::new(TemplateRenderer::default()))
            .clone()
    }

    /// The desk's default locale.
    pub fn default_locale(&self) -> &Locale {
        &self.default
    }

    /// The locale a notification for a reader of `wanted` is worded in:
    /// the first of its [fallbacks](Locale::fallbacks), then English, that
    /// has a template for `kind`.
    pub fn locale_for(&self, wanted: Option<&Locale>, kind: NotificationKind) -> Locale {
        let mut chain = match wanted {
            Some(l) => l.fallbacks(&self.default),
            None => vec![self.default.clone()],
        };
        chain.push(english());
        chain
            .into_iter()
            .find(|l| self.names.contains(&text_name(l.as_str(), kind)))
            .unwrap_or_else(english)
    }

    fn render_in(&self, locale: &Locale, n: &Notification) -> Result<Message> {
        let name = text_name(locale.as_str(), n.kind);
        let ctx = Context::of(n, locale, self.desk.as_deref());
        let (subject, body) = self.blocks(&name, &ctx)?;
        let html = if self.names.contains(&html_name(locale.as_str(), n.kind)) {
            let html = html_name(locale.as_str(), n.kind);
            self.env
                .get_template(&html)
                .and_then(|t| t.render(&ctx))
                .map_err(|e| TemplateError::from_engine(&html, &e))?
        } else {
            let escaped = escape_values(serde_json::to_value(&ctx).map_err(|e| {
                TemplateError::new(&name, None, format!("cannot pass the facts: {e}"))
            })?);
            let (_, body) = self.blocks(&name, &escaped)?;
            html_page(locale.as_str(), &escape(&subject), &body)
        };
        Ok(Message {
            subject,
            text: body,
            html: Some(html),
        })
    }

    /// The `subject` block as one line, and the `body` block tidied.
    fn blocks(&self, name: &str, ctx: &impl Serialize) -> Result<(String, String), TemplateError> {
        let engine = |e: minijinja::Error| TemplateError::from_engine(name, &e);
        let template = self.env.get_template(name).map_err(engine)?;
        let mut captured = template.render_captured(ctx).map_err(engine)?;
        let (subject, body) = captured
            .with_state_mut(|state| {
                Ok::<_, minijinja::Error>((
                    state.render_block("subject")?,
                    state.render_block("body")?,
                ))
            })
            .map_err(engine)?;
        Ok((one_line(&subject), tidy(&body)))
    }
}

impl Render for TemplateRenderer {
    fn render(&self, n: &Notification) -> Result<Message> {
        let locale = self.locale_for(n.facts.locale.as_ref(), n.kind);
        self.render_in(&locale, n)
    }
}

/// Builds a [`TemplateRenderer`]: the built-in templates, then overrides.
///
/// ```no_run
/// use helpdesk::notify::TemplateRenderer;
/// // templates/fr/acknowledged.txt, templates/de/agent_replied.txt, ...
/// let renderer = TemplateRenderer::builder()
///     .default_locale("de".parse()?)
///     .desk_name("Acme Support")
///     .directory("templates")
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TemplateRendererBuilder {
    default: Locale,
    desk: Option<String>,
    overrides: Vec<(String, String)>,
    directories: Vec<PathBuf>,
}

impl Default for TemplateRendererBuilder {
    fn default() -> Self {
        TemplateRendererBuilder {
            default: english(),
            desk: None,
            overrides: Vec::new(),
            directories: Vec::new(),
        }
    }
}

impl TemplateRendererBuilder {
    /// The locale for recipients whose own is unknown or has no templates
    /// (default: `en`). Staff notifications are worded in it.
    pub fn default_locale(mut self, locale: Locale) -> Self {
        self.default = locale;
        self
    }

    /// The desk's name, signed under messages (the `desk` variable).
    pub fn desk_name(mut self, name: impl Into<String>) -> Self {
        self.desk = Some(name.into());
        self
    }

    /// Words `kind` in `locale` with `source` (the text template, blocks
    /// `subject` and `body`), replacing the built-in one.
    pub fn template(
        mut self,
        locale: &str,
        kind: NotificationKind,
        source: impl Into<String>,
    ) -> Self {
        self.overrides
            .push((text_name(locale, kind), source.into()));
        self
    }

    /// Makes the HTML part of `kind` in `locale` with `source` (a whole
    /// HTML document, autoescaped) instead of deriving it from the text.
    pub fn html_template(
        mut self,
        locale: &str,
        kind: NotificationKind,
        source: impl Into<String>,
    ) -> Self {
        self.overrides
            .push((html_name(locale, kind), source.into()));
        self
    }

    /// Any template by its full name (`fr/acknowledged.txt`,
    /// `fr/_common.txt`, `de/merged.html`).
    pub fn named(mut self, name: impl Into<String>, source: impl Into<String>) -> Self {
        self.overrides.push((name.into(), source.into()));
        self
    }

    /// Reads templates from `dir` at [`build`](Self::build): every
    /// `{locale}/{kind}.txt`, `{locale}/{kind}.html` and `{locale}/_{name}.txt`
    /// under it. Later directories and templates win over earlier ones.
    pub fn directory(mut self, dir: impl Into<PathBuf>) -> Self {
        self.directories.push(dir.into());
        self
    }

    /// Reads the directories, compiles every template and tries each on
    /// sample facts.
    // Template names are exact identifiers (`fr/acknowledged.txt`), not
    // file names a user types: `.TXT` is no template.
    #[allow(clippy::case_sensitive_file_extension_comparisons)]
    pub fn build(self) -> Result<TemplateRenderer, TemplateError> {
        let mut sources: BTreeMap<String, Source> = BUILTIN
            .iter()
            .map(|(n, s)| ((*n).to_owned(), Source::Builtin(s)))
            .collect();
        for dir in &self.directories {
            for (name, text) in read_dir(dir)? {
                sources.insert(name, Source::Owned(text));
            }
        }
        for (name, text) in self.overrides {
            sources.insert(name, Source::Owned(text));
        }
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.add_function("plural", plural);
        let mut kinds = Vec::new();
        for (name, source) in sources {
            let kind = parse_name(&name)?;
            let added = match source {
                Source::Builtin(s) => env.add_template(name_static(&name), s),
                Source::Owned(s) => env.add_template_owned(name.clone(), s),
            };
            added.map_err(|e| TemplateError::from_engine(&name, &e))?;
            if let Some(kind) = kind {
                kinds.push((name, kind));
            }
        }
        let renderer = TemplateRenderer {
            names: kinds.iter().map(|(n, _)| n.clone()).collect(),
            env,
            default: self.default,
            desk: self.desk,
        };
        for (name, (locale, kind, html)) in &kinds {
            renderer.check(name, locale, *kind, *html)?;
        }
        Ok(renderer)
    }
}

/// A template's text: built in (borrowed for the process) or given.
enum Source {
    Builtin(&'static str),
    Owned(String),
}

/// The built-in name as `'static`: the built-in table holds it.
fn name_static(name: &str) -> &'static str {
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(n, _)| n)
}

impl TemplateRenderer {
    /// Renders `name` on sample facts of `kind`: once with every fact set,
    /// once with only those every notification has.
    fn check(
        &self,
        name: &str,
        locale: &str,
        kind: NotificationKind,
        html: bool,
    ) -> Result<(), TemplateError> {
        let locale =
            Locale::new(locale).map_err(|e| TemplateError::new(name, None, e.to_string()))?;
        for sample in [
            sample(kind, true, true),
            sample(kind, true, false),
            sample(kind, false, false),
        ] {
            let ctx = Context::of(&sample, &locale, self.desk.as_deref());
            if html {
                self.env
                    .get_template(name)
                    .and_then(|t| t.render(&ctx))
                    .map_err(|e| TemplateError::from_engine(name, &e))?;
            } else {
                let (subject, _) = self.blocks(name, &ctx)?;
                if subject.is_empty() {
                    return Err(TemplateError::new(
                        name,
                        None,
                        "the subject block renders empty",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `{locale}/{kind}.txt`.
fn text_name(locale: &str, kind: NotificationKind) -> String {
    format!("{locale}/{kind}.txt")
}

/// `{locale}/{kind}.html`.
fn html_name(locale: &str, kind: NotificationKind) -> String {
    format!("{locale}/{kind}.html")
}

fn english() -> Locale {
    Locale::new("en").expect("`en` is a language tag")
}

/// What a template's name says: `Some((locale, kind, html))` for a
/// notification's template, `None` for a macro file (`{locale}/_x.txt`).
type Parsed = Option<(String, NotificationKind, bool)>;

#[allow(clippy::case_sensitive_file_extension_comparisons)] // as in `build`
fn parse_name(name: &str) -> Result<Parsed, TemplateError> {
    let bad = |why: String| TemplateError::new(name, None, why);
    let (locale, file) = name.split_once('/').ok_or_else(|| {
        bad("a template is named {locale}/{kind}.txt, e.g. fr/acknowledged.txt".into())
    })?;
    let locale = Locale::new(locale).map_err(|e| bad(e.to_string()))?;
    if file.starts_with('_') && file.ends_with(".txt") {
        return Ok(None);
    }
    let (stem, html) = if let Some(stem) = file.strip_suffix(".txt") {
        (stem, false)
    } else if let Some(stem) = file.strip_suffix(".html") {
        (stem, true)
    } else {
        return Err(bad("a template file ends in .txt or .html".into()));
    };
    let kind = NotificationKind::ALL
        .into_iter()
        .find(|k| k.as_str() == stem)
        .ok_or_else(|| {
            let known: Vec<&str> = NotificationKind::ALL.iter().map(|k| k.as_str()).collect();
            bad(format!(
                "`{stem}` is not a notification kind (one of: {})",
                known.join(", ")
            ))
        })?;
    Ok(Some((locale.to_string(), kind, html)))
}

/// Every template file under `dir`: `{locale}/{file}`.
fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, TemplateError> {
    let unreadable = |p: &Path, e: std::io::Error| {
        TemplateError::new(p.display().to_string(), None, format!("cannot read: {e}"))
    };
    let mut out = Vec::new();
    for locale in std::fs::read_dir(dir).map_err(|e| unreadable(dir, e))? {
        let locale = locale.map_err(|e| unreadable(dir, e))?.path();
        if !locale.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&locale).map_err(|e| unreadable(&locale, e))? {
            let path = file.map_err(|e| unreadable(&locale, e))?.path();
            if !path.is_file() {
                continue;
            }
            let (Some(l), Some(f)) = (
                locale.file_name().and_then(|s| s.to_str()),
                path.file_name().and_then(|s| s.to_str()),
            ) else {
                return Err(TemplateError::new(
                    path.display().to_string(),
                    None,
                    "a template's path must be UTF-8",
                ));
            };
            let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
            out.push((format!("{l}/{f}"), text));
        }
    }
    Ok(out)
}

/// The `plural(n, one, other)` function: the form for `n` in the
/// template's language.
#[allow(clippy::needless_pass_by_value)] // minijinja hands rest arguments over by value
fn plural(state: &State, n: i64, forms: Rest<String>) -> String {
    let locale = state
        .lookup("locale")
        .and_then(|l| l.as_str().map(str::to_owned))
        .unwrap_or_default();
    let language = locale.split('-').next().unwrap_or_default();
    words::plural(n, language, &forms).to_owned()
}

/// What templates see. See the [module docs](self) for each variable.
#[derive(Debug, Serialize)]
struct Context<'a> {
    kind: &'static str,
    locale: &'a str,
    reference: String,
    subject: &'a str,
    priority: &'static str,
    name: Option<&'a str>,
    to_requester: bool,
    desk: Option<&'a str>,
    body: Option<&'a str>,
    status: Option<&'a str>,
    status_category: Option<&'static str>,
    first_response: Option<PromiseContext>,
    metric: Option<&'static str>,
    due: Option<String>,
    level: Option<&'a str>,
    reason: Option<&'a str>,
    actions: &'a [String],
    time_zone: &'static str,
    survey: Option<SurveyContext<'a>>,
}

#[derive(Debug, Serialize)]
struct SurveyContext<'a> {
    link: &'a str,
    until: String,
}

#[derive(Debug, Serialize)]
struct PromiseContext {
    hours: Option<i64>,
    minutes: i64,
    business_hours: bool,
    due: String,
}

impl<'a> Context<'a> {
    fn of(n: &'a Notification, locale: &'a Locale, desk: Option<&'a str>) -> Self {
        let f = &n.facts;
        let language = locale.language();
        let when = |t: DateTime<Utc>| words::instant(t, f.time_zone, language);
        Context {
            kind: n.kind.as_str(),
            locale: locale.as_str(),
            reference: n.ticket_ref.to_string(),
            subject: &f.subject,
            priority: f.priority.as_str(),
            name: f.recipient_name.as_deref(),
            to_requester: matches!(n.recipient, Recipient::Requester { .. }),
            desk,
            body: f.body.as_deref(),
            status: f.status.as_deref(),
            status_category: f.status_category.map(category),
            first_response: f.first_response.map(|p| {
                let secs = p.target.as_secs();
                PromiseContext {
                    hours: (secs % 3600 == 0).then_some(secs / 3600),
                    minutes: secs / 60,
                    business_hours: p.business_hours,
                    due: when(p.due),
                }
            }),
            metric: f.metric.map(Metric::as_str),
            due: f.due.map(when),
            level: f.level.as_deref(),
            reason: f.reason.as_deref(),
            actions: &f.actions,
            time_zone: f.time_zone.name(),
            survey: f.survey.as_ref().map(|s| SurveyContext {
                link: s.url.as_deref().unwrap_or(&s.token),
                until: when(s.expires_at),
            }),
        }
    }
}

fn category(c: StatusCategory) -> &'static str {
    match c {
        StatusCategory::Initial => "initial",
        StatusCategory::Active => "active",
        StatusCategory::Paused => "paused",
        StatusCategory::Done => "done",
    }
}

/// Sample facts for checking a template of `kind`: every fact set, or
/// none beyond what every notification has; to the requester or to staff.
fn sample(kind: NotificationKind, full: bool, to_requester: bool) -> Notification {
    let at = DateTime::<Utc>::UNIX_EPOCH;
    let recipient = if to_requester {
        Recipient::Requester {
            id: crate::id::CustomerId::new(),
            email: Some("sample@example.com".into()),
        }
    } else {
        Recipient::Address {
            address: "sample@example.com".into(),
        }
    };
    let mut facts = Facts {
        subject: "Sample subject".into(),
        priority: Priority::High,
        actor: EventActor::System,
        body: None,
        status: None,
        status_category: None,
        first_response: None,
        metric: None,
        due: None,
        level: None,
        reason: None,
        actions: Vec::new(),
        time_zone: chrono_tz::Tz::UTC,
        locale: None,
        recipient_name: None,
        survey: None,
    };
    if full {
        facts.body = Some("Sample text.\n\nSecond paragraph.".into());
        facts.status = Some("Resolved".into());
        facts.status_category = Some(StatusCategory::Done);
        facts.first_response = Some(Promise {
            target: BusinessDuration::from_secs(4 * 3600),
            due: at,
            business_hours: true,
        });
        facts.metric = Some(Metric::Resolution);
        facts.due = Some(at);
        facts.level = Some("tier-2".into());
        facts.reason = Some("75% of the resolution target elapsed".into());
        facts.actions = vec!["assigned to the network group".into()];
        facts.recipient_name = Some("Sample".into());
        facts.survey = Some(super::SurveyLink {
            cycle: 1,
            token: "sample-token".into(),
            url: Some("https://example.com/survey?token=sample-token".into()),
            expires_at: at,
        });
    }
    Notification {
        id: crate::id::NotificationId::new(),
        idempotency_key: String::new(),
        ticket_id: crate::id::TicketId::new(),
        ticket_ref: crate::id::TicketRef(1),
        recipient,
        kind,
        facts,
        created_at: at,
    }
}

/// Every string in `v` HTML-escaped, so the derived HTML part cannot carry
/// markup from a subject or a message.
fn escape_values(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(escape(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(escape_values).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                // The locale steers `plural`; it is a validated tag.
                .map(|(k, v)| {
                    let v = if k == "locale" { v } else { escape_values(v) };
                    (k, v)
                })
                .collect(),
        ),
        other => other,
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The HTML part around an escaped body: a paragraph per blank-line-separated
/// block, line breaks kept.
fn html_page(lang: &str, subject: &str, body: &str) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\"><title>{subject}</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.5\">\n"
    );
    for paragraph in body.split("\n\n") {
        html.push_str("<p>");
        html.push_str(&paragraph.replace('\n', "<br>\n"));
        html.push_str("</p>\n");
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// A subject on one line: runs of whitespace (newlines included) become
/// one space, so a template cannot break a mail header.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trailing spaces dropped, runs of blank lines made one, ends trimmed.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests;
