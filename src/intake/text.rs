//! Pure text functions for intake: HTML to plain text, trimming replies,
//! cleaning subjects.
//!
//! A reply by email carries the whole conversation below (or around) what
//! the customer just wrote: `On Mon, 2 Mar 2026 at 09:14, Support <…>
//! wrote:` and the quoted text, an Outlook `From: … Sent: …` block, a
//! signature. The timeline should show only the new text; the full text and
//! the raw message stay on the [`InboundMessage`](super::InboundMessage).
//!
//! [`trim_reply`] does that for the five seed languages (English, French,
//! Greek, Russian, Hungarian) and the common mail clients (Gmail, Outlook,
//! Apple Mail, Thunderbird, mobile apps):
//!
//! ```
//! use helpdesk::intake::text::trim_reply;
//! let reply = "Merci, ça marche !\n\
//!              \n\
//!              Le lun. 2 mars 2026 à 09:14, Support <support@desk.example.com> a écrit :\n\
//!              > Pouvez-vous redémarrer l'imprimante ?\n\
//!              \n\
//!              -- \n\
//!              Camille Martin\n";
//! assert_eq!(trim_reply(reply), "Merci, ça marche !");
//! ```
//!
//! The rules are tables ([`ATTRIBUTIONS`], [`SEPARATORS`], ...) to which a
//! language is added by a line. They never return nothing for a message
//! that had text: when trimming would leave no text (a customer who wrote
//! only below the quote, say), [`trim_reply`] keeps the whole text.

use std::borrow::Cow;

use super::tag::SubjectTag;

// ---------------------------------------------------------------------------
// Replies: quoted history and signatures.
// ---------------------------------------------------------------------------

/// An attribution line that opens quoted history: (starts with, contains,
/// ends with); an empty string matches anything. Lines are matched after
/// non-breaking spaces become spaces, and only if they hold a digit (every
/// client writes the date), so a sentence such as "On Monday he wrote:" or
/// "Please add them to <team@example.com>:" is not taken for one.
pub const ATTRIBUTIONS: &[(&str, &str, &str)] = &[
    // English: Gmail, Apple Mail, Thunderbird, Outlook.com.
    ("On ", "", "wrote:"),
    // French: "Le lun. 2 mars 2026 à 09:14, X <x@y> a écrit :".
    ("Le ", "", "a écrit :"),
    ("Le ", "", "a écrit:"),
    // Greek: "Στις Δευ 2 Μαρ 2026 στις 09:14, ο/η X <x@y> έγραψε:".
    ("", "", "έγραψε:"),
    // Russian: Thunderbird "02.03.2026 09:14, X пишет:", others "написал(а):".
    ("", "", "пишет:"),
    ("", "", "написал:"),
    ("", "", "написала:"),
    ("", "", "написал(а):"),
    // Hungarian: Thunderbird "2026. 03. 02. 9:14 keltezéssel, X írta:",
    // Gmail "X <x@y> ezt írta (időpont: 2026. márc. 2., H, 9:14):".
    ("", "", "írta:"),
    ("", "ezt írta", "):"),
    // Gmail in other locales (Russian among them): "<date>, X <x@y>:".
    ("", "@", ">:"),
];

/// Separator lines that open quoted history, written between dashes
/// (`-----Original Message-----`, `-------- Message original --------`),
/// compared case-insensitively. Forwarding markers ("Forwarded message")
/// are not among them: what a customer forwards is their request.
pub const SEPARATORS: &[&str] = &[
    "original message",
    "message d'origine",
    "message original",
    "αρχικό μήνυμα",
    "исходное сообщение",
    "eredeti üzenet",
    "eredeti levél",
];

/// The first line of an Outlook header block (`From: X`), per language.
/// The block opens quoted history when one of the next lines starts with a
/// label of [`OUTLOOK_DATE_LABELS`].
pub const OUTLOOK_FROM_LABELS: &[&str] = &["From", "De", "Από", "От", "Feladó"];

/// The date line of an Outlook header block (`Sent: Monday, …`).
pub const OUTLOOK_DATE_LABELS: &[&str] = &[
    "Sent",
    "Date",
    "Envoyé",
    "Στάλθηκε",
    "Ημερομηνία",
    "Отправлено",
    "Дата",
    "Elküldve",
    "Küldve",
    "Dátum",
    "Időpont",
];

/// Lines that mobile apps append as a signature; removed from the end of a
/// message (compared case-insensitively, by prefix).
pub const MOBILE_SIGNATURES: &[&str] = &[
    "Sent from my ",
    "Sent from Outlook for ",
    "Sent from Mail for ",
    "Sent from Yahoo Mail",
    "Get Outlook for ",
    "Envoyé de mon ",
    "Envoyé depuis mon ",
    "Envoyé à partir de ",
    "Téléchargez Outlook pour ",
    "Αποστολή από ",
    "Στάλθηκε από ",
    "Отправлено с ",
    "Отправлено из ",
    "Az iPhone-omról küldve",
    "iPhone-ról küldve",
    "Küldve ",
];

/// The new text of a reply: [`strip_quoted`], then [`strip_signature`],
/// then blank lines and leftover separator rules (`____`) at either end
/// removed. Line endings become `\n`.
///
/// When nothing would be left, returns the whole text, tidied the same
/// way: a message is never emptied by trimming.
pub fn trim_reply(text: &str) -> String {
    let unquoted = strip_quoted(text);
    let trimmed = tidy(strip_signature(&unquoted));
    if trimmed.is_empty() {
        tidy(&normalize_newlines(text))
    } else {
        trimmed
    }
}

/// `text` without quoted history:
///
/// - lines starting with `>` are dropped wherever they are (a bottom-posted
///   or interleaved answer keeps the customer's own lines);
/// - an attribution line ([`ATTRIBUTIONS`], possibly wrapped over up to three
///   lines) followed by `>` lines is dropped with them;
/// - an attribution line not followed by `>` lines, a separator
///   ([`SEPARATORS`]) or an Outlook `From: … Sent: …` block cuts the text:
///   everything from there on is history.
pub fn strip_quoted(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_quote_line(line) {
            i += 1;
            continue;
        }
        if is_separator(line) || is_outlook_block(&lines[i..]) {
            break;
        }
        if let Some(n) = attribution_len(&lines[i..]) {
            let after = i + n;
            let next = lines[after..]
                .iter()
                .position(|l| !l.trim().is_empty())
                .map(|k| after + k);
            match next {
                Some(q) if is_quote_line(lines[q]) => {
                    i = q;
                    continue;
                }
                _ => break,
            }
        }
        kept.push(line);
        i += 1;
    }
    kept.join("\n")
}

/// `text` up to its signature: the first `-- ` delimiter line (also
/// without its trailing space), then any [`MOBILE_SIGNATURES`] line at the
/// end ("Sent from my iPhone").
pub fn strip_signature(text: &str) -> &str {
    let mut end = text.len();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "--" {
            end = offset;
            break;
        }
        offset += line.len();
    }
    let mut body = &text[..end];
    loop {
        let trimmed = body.trim_end();
        let last_start = trimmed.rfind('\n').map_or(0, |p| p + 1);
        let last = trimmed[last_start..].trim();
        if !last.is_empty() && is_mobile_signature(last) {
            body = &trimmed[..last_start];
        } else {
            return trimmed;
        }
    }
}

fn is_mobile_signature(line: &str) -> bool {
    MOBILE_SIGNATURES
        .iter()
        .any(|sig| starts_with_ignore_case(line, sig))
}

fn is_quote_line(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// How many lines (1 to 3) the attribution starting at `lines[0]` spans, if
/// one starts there. A wrapped candidate counts only if no attribution starts
/// on its second line, so the customer's last line is never joined to it.
fn attribution_len(lines: &[&str]) -> Option<usize> {
    if lines.first().is_none_or(|l| l.trim().is_empty()) {
        return None;
    }
    let mut joined = String::new();
    for n in 1..=3.min(lines.len()) {
        let line = lines[n - 1].trim();
        if line.is_empty() || (n > 1 && is_quote_line(line)) {
            return None;
        }
        if n > 1 {
            joined.push(' ');
        }
        joined.push_str(line);
        if joined.len() > MAX_ATTRIBUTION_BYTES {
            return None;
        }
        if is_attribution(&joined) {
            if n > 1 && attribution_len(&lines[1..]).is_some() {
                return None;
            }
            return Some(n);
        }
    }
    None
}

/// Attribution lines are short: a date, a name, an address.
const MAX_ATTRIBUTION_BYTES: usize = 600;

fn is_attribution(line: &str) -> bool {
    let line = spaces_normalized(line);
    let line = line.trim();
    if line.len() > MAX_ATTRIBUTION_BYTES
        || !line.chars().any(|c| c.is_ascii_digit())
        || !line.ends_with(':')
    {
        return false;
    }
    ATTRIBUTIONS.iter().any(|(start, contains, end)| {
        line.starts_with(start) && line.contains(contains) && line.ends_with(end)
    })
}

fn is_separator(line: &str) -> bool {
    let line = line.trim();
    if !line.starts_with("---") {
        return false;
    }
    let label = line
        .trim_matches(|c: char| c == '-' || c.is_whitespace())
        .to_lowercase();
    SEPARATORS.contains(&label.as_str())
}

/// An Outlook header block: `From: …` and, within the next three lines, a
/// date line (`Sent: …`). Outlook writes labels in bold (`*From:*` in some
/// plain-text renderings), so asterisks are ignored.
fn is_outlook_block(lines: &[&str]) -> bool {
    let Some(first) = lines.first() else {
        return false;
    };
    starts_with_label(first, OUTLOOK_FROM_LABELS)
        && lines
            .iter()
            .skip(1)
            .take(3)
            .any(|l| starts_with_label(l, OUTLOOK_DATE_LABELS))
}

/// `line` starts with one of `labels`, then optional spaces and a colon.
fn starts_with_label(line: &str, labels: &[&str]) -> bool {
    let line = spaces_normalized(line);
    let line = line.trim_start().trim_start_matches('*');
    labels.iter().any(|label| {
        strip_prefix_ignore_case(line, label)
            .is_some_and(|rest| rest.trim_start().trim_start_matches('*').starts_with(':'))
    })
}

/// Non-breaking and narrow non-breaking spaces (French typography puts one
/// before a colon) as plain spaces.
fn spaces_normalized(s: &str) -> Cow<'_, str> {
    if s.contains(['\u{a0}', '\u{202f}']) {
        Cow::Owned(s.replace(['\u{a0}', '\u{202f}'], " "))
    } else {
        Cow::Borrowed(s)
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    strip_prefix_ignore_case(s, prefix).is_some()
}

/// `s` after `prefix`, compared case-insensitively character by character
/// (a case change may change a character's length in bytes).
fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let mut chars = s.chars();
    for p in prefix.chars() {
        let c = chars.next()?;
        if c != p && !c.to_lowercase().eq(p.to_lowercase()) {
            return None;
        }
    }
    Some(chars.as_str())
}

/// Blank lines and separator rules (`____`, `----`) removed from both ends,
/// trailing spaces from every line.
fn tidy(text: &str) -> String {
    let is_rule = |l: &str| {
        let l = l.trim();
        l.is_empty() || (l.len() >= 3 && l.chars().all(|c| c == '_' || c == '-'))
    };
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let start = lines.iter().position(|l| !is_rule(l));
    let end = lines.iter().rposition(|l| !is_rule(l));
    match (start, end) {
        (Some(s), Some(e)) => lines[s..=e].join("\n"),
        _ => String::new(),
    }
}

fn normalize_newlines(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join("\n")
}

// ---------------------------------------------------------------------------
// Subjects.
// ---------------------------------------------------------------------------

/// Reply prefixes of subjects (`Re:`), per language and client, compared
/// case-insensitively; a space may stand before the colon (`RE :`).
pub const REPLY_PREFIXES: &[&str] = &[
    "Re",
    "Απ",
    "Σχετ",
    "Ответ",
    "Отв",
    "Vá",
    "Válasz",
    "V",
    "AW",
    "SV",
];

/// Forward prefixes of subjects (`Fwd:`), like [`REPLY_PREFIXES`].
pub const FORWARD_PREFIXES: &[&str] = &[
    "Fwd",
    "Fw",
    "TR",
    "ΠΡΘ",
    "Προώθηση",
    "Πρθ",
    "Пересл",
    "Tov",
    "Továbbítás",
    "WG",
];

/// True when `subject` is a forward (`Fwd: …`, `TR : …`, `Пересл: …`):
/// its first prefix, after any leading `[…]` tags, is a forward prefix.
/// The desk keeps a forward's text whole: what is forwarded is the request.
///
/// ```
/// use helpdesk::intake::text::is_forward;
/// assert!(is_forward("Fwd: Invoice 2026-031"));
/// assert!(is_forward("TR : Facture"));
/// assert!(is_forward("[#1042] FW: logs"));
/// assert!(!is_forward("Re: Fwd: Invoice"));
/// assert!(!is_forward("Forward planning"));
/// ```
pub fn is_forward(subject: &str) -> bool {
    let mut s = subject.trim_start();
    while let Some(rest) = s.strip_prefix('[') {
        match rest.find(']') {
            Some(close) => s = rest[close + 1..].trim_start(),
            None => break,
        }
    }
    matches!(subject_prefix(s), Some((true, _)))
}

/// A subject fit to title a new ticket: the desk's tags, and leading reply
/// and forward prefixes removed, whitespace collapsed. Empty when nothing is
/// left.
///
/// ```
/// use helpdesk::intake::{text::clean_subject, SubjectTag};
/// let tag = SubjectTag::default();
/// assert_eq!(clean_subject("RE : TR : [#1042]  Imprimante HS", &tag), "Imprimante HS");
/// assert_eq!(clean_subject("Απ: Πρόβλημα με το VPN", &tag), "Πρόβλημα με το VPN");
/// assert_eq!(clean_subject("Re:", &tag), "");
/// ```
pub fn clean_subject(subject: &str, tag: &SubjectTag) -> String {
    let stripped = tag.strip(subject);
    let mut s = stripped.as_str();
    while let Some((_, rest)) = subject_prefix(s) {
        s = rest.trim_start();
    }
    s.trim().to_owned()
}

/// The subject's leading prefix: (is it a forward, the rest after its colon).
fn subject_prefix(subject: &str) -> Option<(bool, &str)> {
    let colon = subject.find(':')?;
    let word = spaces_normalized(&subject[..colon]);
    let word = word.trim_end();
    // "Re[2]:" and "Re(2):" count their replies.
    let word =
        word.split_once(['[', '(']).map_or(
            word,
            |(w, n)| if n.ends_with([']', ')']) { w } else { word },
        );
    let is = |list: &[&str]| {
        list.iter()
            .any(|p| strip_prefix_ignore_case(word, p) == Some(""))
    };
    if is(FORWARD_PREFIXES) {
        Some((true, &subject[colon + 1..]))
    } else if is(REPLY_PREFIXES) {
        Some((false, &subject[colon + 1..]))
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// HTML to text.
// ---------------------------------------------------------------------------

/// Plain text from an HTML body, for the timeline and for trimming.
///
/// Block elements (`p`, `div`, `br`, `li`, `tr`, headings, ...) end lines;
/// `blockquote` content is prefixed with `> ` per level, so
/// [`strip_quoted`] removes it as it does in plain-text replies; `head`,
/// `style`, `script` and comments are dropped; `pre` keeps its spacing;
/// character references (`&amp;`, `&#233;`, `&eacute;`, ...) are decoded.
/// Never fails: broken markup gives best-effort text.
///
/// ```
/// use helpdesk::intake::text::html_to_text;
/// let html = "<div>Bonjour,<br>l&#39;imprimante est <b>HS</b>.</div>\
///             <blockquote><p>Avez-vous essayé&nbsp;?</p></blockquote>";
/// assert_eq!(html_to_text(html), "Bonjour,\nl'imprimante est HS.\n\n> Avez-vous essayé ?");
/// ```
pub fn html_to_text(html: &str) -> String {
    let mut out = TextBuilder::default();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_text(&rest[..lt]);
        rest = &rest[lt..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        if !starts_tag(rest) {
            // A `<` that opens no tag (`1 < 2`) is text.
            out.push_text("<");
            rest = &rest[1..];
            continue;
        }
        let Some(tag_len) = tag_end(rest) else {
            // The input ends inside a tag: dropped, as browsers do.
            rest = "";
            break;
        };
        let tag = Tag::parse(&rest[1..tag_len - 1]);
        rest = &rest[tag_len..];
        if !tag.closing && RAW_TEXT_ELEMENTS.contains(&tag.name.as_str()) {
            rest = skip_element(rest, &tag.name);
            continue;
        }
        out.tag(&tag);
    }
    out.push_text(rest);
    out.finish()
}

/// Elements whose content is not text for a reader.
const RAW_TEXT_ELEMENTS: &[&str] = &["head", "style", "script", "title", "template"];

/// Elements that end the current line.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
];

/// An opening or closing tag's name (lower-cased) and kind.
struct Tag {
    name: String,
    closing: bool,
}

impl Tag {
    /// From the text between `<` and `>`.
    fn parse(inner: &str) -> Tag {
        let inner = inner.trim_start();
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, inner),
        };
        let name = inner
            .split(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Tag { name, closing }
    }
}

/// True when `s` (which starts with `<`) starts a tag: a letter, `/`, `!`
/// or `?` follows, as in HTML.
fn starts_tag(s: &str) -> bool {
    s.as_bytes()
        .get(1)
        .is_some_and(|&b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'))
}

/// The length of the tag at the start of `s` (which starts with `<`),
/// through its `>`; a quoted attribute value (`title="a>b"`) may hold a `>`.
/// `None` when the input ends first.
///
/// Every scan starts where the last tag ended, and a tag that does not end
/// ends the input, so converting a body is linear in its length whatever
/// markup it holds.
fn tag_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut after_equals = false;
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return Some(i + 1),
            b'=' => after_equals = true,
            quote @ (b'"' | b'\'') if after_equals => {
                i += 1 + bytes[i + 1..].iter().position(|&b| b == quote)?;
                after_equals = false;
            }
            b if b.is_ascii_whitespace() => {}
            _ => after_equals = false,
        }
        i += 1;
    }
    None
}

/// `rest` after the closing tag of `name` (ASCII case-insensitive), or
/// empty when there is none.
fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let mut from = 0;
    while let Some(at) = rest[from..].find("</") {
        let start = from + at + 2;
        if rest
            .get(start..start + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
        {
            return rest[start..]
                .find('>')
                .map_or("", |gt| &rest[start + gt + 1..]);
        }
        from = start;
    }
    ""
}

/// The most `> ` markers a line gets, however deep its quote: more tell a
/// reader nothing, and a bound keeps deeply nested input from growing the
/// output quadratically.
const MAX_QUOTE_MARKERS: usize = 8;

/// Builds lines of text, with `> ` quote markers and collapsed whitespace.
#[derive(Default)]
struct TextBuilder {
    lines: Vec<String>,
    line: String,
    /// The quote depth of the line being built (set by its first text).
    line_depth: usize,
    depth: usize,
    pending_space: bool,
    pre: usize,
}

impl TextBuilder {
    fn push_text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let text = decode_entities(raw);
        for c in text.chars() {
            if self.pre > 0 && c == '\n' {
                self.end_line();
            } else if c.is_whitespace() && (self.pre == 0 || c == '\r') {
                self.pending_space = !self.line.is_empty();
            } else {
                if self.line.is_empty() {
                    self.line_depth = self.depth;
                } else if self.pending_space {
                    self.line.push(' ');
                }
                self.pending_space = false;
                self.line.push(c);
            }
        }
    }

    fn tag(&mut self, tag: &Tag) {
        let name = tag.name.as_str();
        match name {
            "br" => self.end_line(),
            "td" | "th" if !tag.closing => self.pending_space = !self.line.is_empty(),
            _ if BLOCK_ELEMENTS.contains(&name) => {
                self.end_block();
                match (name, tag.closing) {
                    ("blockquote", false) => self.depth += 1,
                    ("blockquote", true) => self.depth = self.depth.saturating_sub(1),
                    ("pre", false) => self.pre += 1,
                    ("pre", true) => self.pre = self.pre.saturating_sub(1),
                    ("p", _) => self.blank_line(),
                    ("li", false) => self.push_text("- "),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Ends the line being built, even an empty one (a `<br>`).
    fn end_line(&mut self) {
        let depth = if self.line.is_empty() {
            self.depth
        } else {
            self.line_depth
        };
        let line = std::mem::take(&mut self.line);
        let markers = "> ".repeat(depth.min(MAX_QUOTE_MARKERS));
        self.lines.push(format!("{markers}{line}"));
        self.pending_space = false;
    }

    /// Ends the line being built if it has text.
    fn end_block(&mut self) {
        if !self.line.is_empty() {
            self.end_line();
        }
        self.pending_space = false;
    }

    /// Makes the last line a blank one, once.
    fn blank_line(&mut self) {
        if self.lines.last().is_some_and(|l| !l.trim().is_empty()) {
            self.lines.push(String::new());
        }
    }

    fn finish(mut self) -> String {
        self.end_block();
        // No more than one blank line in a row; none at either end.
        let mut out: Vec<&str> = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            let line = line.trim_end();
            let blank = line.trim_start_matches(['>', ' ']).is_empty();
            let last_blank = out
                .last()
                .is_none_or(|l| l.trim_start_matches(['>', ' ']).is_empty());
            if !(blank && last_blank) {
                out.push(line);
            }
        }
        while out
            .last()
            .is_some_and(|l| l.trim_start_matches(['>', ' ']).is_empty())
        {
            out.pop();
        }
        out.join("\n")
    }
}

/// Named character references decoded by [`html_to_text`]: the ones mail
/// clients write (markup, spaces, punctuation, and the Latin letters of the
/// seed languages). Numeric references (`&#233;`, `&#xE9;`) cover the rest.
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", ' '),
    ("ensp", ' '),
    ("emsp", ' '),
    ("thinsp", ' '),
    ("shy", '\u{ad}'),
    ("zwnj", '\u{200c}'),
    ("zwj", '\u{200d}'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("hellip", '…'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("sbquo", '‚'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bdquo", '„'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("bull", '•'),
    ("middot", '·'),
    ("euro", '€'),
    ("pound", '£'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("deg", '°'),
    ("times", '×'),
    ("agrave", 'à'),
    ("acirc", 'â'),
    ("aacute", 'á'),
    ("auml", 'ä'),
    ("ccedil", 'ç'),
    ("egrave", 'è'),
    ("eacute", 'é'),
    ("ecirc", 'ê'),
    ("euml", 'ë'),
    ("icirc", 'î'),
    ("iuml", 'ï'),
    ("iacute", 'í'),
    ("ocirc", 'ô'),
    ("oacute", 'ó'),
    ("ouml", 'ö'),
    ("ugrave", 'ù'),
    ("ucirc", 'û'),
    ("uacute", 'ú'),
    ("uuml", 'ü'),
    ("yuml", 'ÿ'),
    ("oelig", 'œ'),
    ("aelig", 'æ'),
    ("Agrave", 'À'),
    ("Aacute", 'Á'),
    ("Ccedil", 'Ç'),
    ("Egrave", 'È'),
    ("Eacute", 'É'),
    ("Ecirc", 'Ê'),
    ("Iacute", 'Í'),
    ("Oacute", 'Ó'),
    ("Ouml", 'Ö'),
    ("Uacute", 'Ú'),
    ("Uuml", 'Ü'),
    ("OElig", 'Œ'),
];

/// `s` with its character references decoded; unknown ones stay as written.
fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // References are short (`&#x10FFFF;`, `&thinsp;`): the `;` is looked
        // for in the next 11 bytes only, so a text full of `&` stays linear.
        let semicolon = rest.as_bytes()[1..]
            .iter()
            .take(11)
            .position(|&b| b == b';')
            .map(|p| p + 1);
        let decoded = semicolon.and_then(|end| decode_entity(&rest[1..end]).map(|c| (c, end)));
        if let Some((c, end)) = decoded {
            out.push(c);
            rest = &rest[end + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character of the reference `name` (between `&` and `;`).
fn decode_entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        return Some(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    ENTITIES
        .iter()
        .find(|(n, _)| *n == name)
        .or_else(|| ENTITIES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
        .map(|&(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_gmail_reply_with_a_wrapped_attribution() {
        let text = "It works now, thanks!\r\n\r\nOn Mon, Mar 2, 2026 at 9:14 AM Support Desk <\r\nsupport@desk.example.com> wrote:\r\n\r\n> Please try the new VPN profile.\r\n>\r\n> -- \r\n> Support\r\n";
        assert_eq!(trim_reply(text), "It works now, thanks!");
    }

    #[test]
    fn an_attribution_is_never_joined_to_the_line_before() {
        let text = "I tried again yesterday.\nΣτις Δευ 2 Μαρ 2026 στις 09:14, ο/η Support <s@d> έγραψε:\n> Δοκιμάστε ξανά.";
        assert_eq!(trim_reply(text), "I tried again yesterday.");
    }

    #[test]
    fn attributions_in_the_seed_languages() {
        for attribution in [
            "On 2 Mar 2026, at 09:14, Support <support@desk.example.com> wrote:",
            "Le lun. 2 mars 2026 à 09:14, Support <support@desk.example.com> a écrit\u{a0}:",
            "Le 02/03/2026 à 09:14, Support a écrit :",
            "Στις Δευ 2 Μαρ 2026 στις 09:14, ο/η Support <support@desk.example.com> έγραψε:",
            "02.03.2026 09:14, Support пишет:",
            "пн, 2 мар. 2026 г. в 09:14, Support <support@desk.example.com>:",
            "Support <support@desk.example.com> ezt írta (időpont: 2026. márc. 2., H, 9:14):",
            "2026. 03. 02. 9:14 keltezéssel, Support írta:",
        ] {
            let text = format!("New text.\n\n{attribution}\n> old text\n");
            assert_eq!(trim_reply(&text), "New text.", "{attribution}");
        }
    }

    #[test]
    fn sentences_that_look_like_attributions_are_kept() {
        for text in [
            "On Monday the printer wrote:\nnothing at all.",
            "Hi,\nplease add them to <team@example.com>:\n- alice\n- bob",
            "Le chef a écrit :\nrien.",
        ] {
            assert_eq!(trim_reply(text), text);
        }
    }

    #[test]
    fn bottom_posted_and_interleaved_answers_keep_the_customers_lines() {
        let text = "On Mon, 2 Mar 2026, Support <s@desk> wrote:\n> Which model?\nA T14s.\n> Since when?\nSince Monday.\n";
        assert_eq!(trim_reply(text), "A T14s.\nSince Monday.");
    }

    #[test]
    fn separators_cut_the_history() {
        for sep in [
            "-----Original Message-----",
            "-------- Original Message --------",
            "-----Message d'origine-----",
            "-------- Message original --------",
            "-------- Αρχικό μήνυμα --------",
            "-----Исходное сообщение-----",
            "-------- Eredeti üzenet --------",
        ] {
            let text = format!("Still broken.\n\n{sep}\nFrom: Support\nold\n");
            assert_eq!(trim_reply(&text), "Still broken.", "{sep}");
        }
    }

    #[test]
    fn outlook_header_blocks_cut_the_history() {
        for block in [
            "From: Support Desk <support@desk.example.com>\nSent: Monday, March 2, 2026 9:14 AM\nTo: Ada\nSubject: RE: VPN",
            "De : Support Desk <support@desk.example.com>\nEnvoyé : lundi 2 mars 2026 09:14\nÀ : Camille\nObjet : RE: Imprimante",
            "Από: Support Desk\nΣτάλθηκε: Δευτέρα, 2 Μαρτίου 2026 9:14 πμ\nΠρος: Ελένη",
            "От: Support Desk\nОтправлено: 2 марта 2026 г. 9:14\nКому: Иван",
            "Feladó: Support Desk\nElküldve: 2026. március 2. 9:14\nCímzett: Zsófia",
            "*From:* Support Desk\n*Sent:* Monday, March 2, 2026",
        ] {
            let text =
                format!("Thanks.\n\n________________________________\n{block}\n\nold text\n");
            assert_eq!(trim_reply(&text), "Thanks.", "{block}");
        }
        // A lone "From:" line is the customer's text.
        let text = "From: my manager, the request is approved.\nPlease go ahead.";
        assert_eq!(trim_reply(text), text);
    }

    #[test]
    fn signatures_are_cut() {
        assert_eq!(trim_reply("Hello\n-- \nAda\nAnalytical Ltd"), "Hello");
        assert_eq!(trim_reply("Hello\n--\nAda"), "Hello");
        assert_eq!(trim_reply("Hello\n\nSent from my iPhone\n"), "Hello");
        assert_eq!(trim_reply("Bonjour\n\nEnvoyé de mon iPhone"), "Bonjour");
        assert_eq!(trim_reply("Привет\n\nОтправлено с iPhone"), "Привет");
        assert_eq!(trim_reply("Γεια\n\nΑποστολή από το iPhone μου"), "Γεια");
        assert_eq!(trim_reply("Szia\n\nAz iPhone-omról küldve"), "Szia");
        // Only at the end.
        let text = "Sent from my iPhone is what it says, then nothing.\nThen more.";
        assert_eq!(trim_reply(text), text);
        // "--" inside a line is text.
        assert_eq!(trim_reply("a -- b\nc"), "a -- b\nc");
    }

    #[test]
    fn trimming_never_empties_a_message() {
        let text = "> only a quote\n> nothing else\n";
        assert_eq!(trim_reply(text), "> only a quote\n> nothing else");
        assert_eq!(trim_reply("-- \nAda"), "--\nAda");
        assert_eq!(trim_reply(""), "");
    }

    #[test]
    fn subjects_lose_prefixes_and_tags() {
        let tag = SubjectTag::default();
        for (subject, clean) in [
            ("Re: Re: VPN", "VPN"),
            ("RE : TR : Imprimante", "Imprimante"),
            ("Re[2]: VPN", "VPN"),
            ("ΑΠ: Σχετ: VPN", "VPN"),
            ("Пересл: Ответ: Счёт", "Счёт"),
            ("Vá: Továbbítás: Számla", "Számla"),
            ("[#1042] Re: VPN", "VPN"),
            ("Meeting: Monday", "Meeting: Monday"),
            ("Réunion : lundi", "Réunion : lundi"),
        ] {
            assert_eq!(clean_subject(subject, &tag), clean, "{subject}");
        }
        assert!(is_forward("Пересл: Счёт"));
        assert!(is_forward("Továbbítás: Számla"));
        assert!(is_forward("ΠΡΘ: Τιμολόγιο"));
        assert!(!is_forward("Re: Пересл: Счёт"));
        assert!(!is_forward("[unclosed Fwd: x"));
    }

    #[test]
    fn html_blocks_breaks_and_lists() {
        let html = "<html><head><title>x</title><style>p{color:red}</style></head><body>\
                    <h1>Bonjour</h1><p>Ligne 1<br>Ligne&nbsp;2</p><ul><li>un</li><li>deux</li></ul>\
                    <table><tr><td>a</td><td>b</td></tr></table><script>alert(1)</script>\
                    <!-- comment <p>hidden</p> --><p>Fin &amp; merci &#8212; &#x263A; &eacute;t&Eacute; &bogus;</p></body></html>";
        assert_eq!(
            html_to_text(html),
            "Bonjour\n\nLigne 1\nLigne 2\n\n- un\n- deux\na b\n\nFin & merci — ☺ étÉ &bogus;"
        );
    }

    #[test]
    fn html_quotes_become_quote_lines_and_are_trimmed() {
        let html = r#"<div dir="ltr">Το VPN δουλεύει πλέον.</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">Στις Δευ 2 Μαρ 2026 στις 09:14, ο/η Support &lt;<a href="mailto:support@desk.example.com">support@desk.example.com</a>&gt; έγραψε:<br></div><blockquote class="gmail_quote" style="margin:0px"><div>Δοκιμάστε το νέο προφίλ.</div><blockquote><div>Πιο παλιό</div></blockquote></blockquote></div>"#;
        let text = html_to_text(html);
        assert_eq!(
            text,
            "Το VPN δουλεύει πλέον.\n\nΣτις Δευ 2 Μαρ 2026 στις 09:14, ο/η Support <support@desk.example.com> έγραψε:\n> Δοκιμάστε το νέο προφίλ.\n> > Πιο παλιό"
        );
        assert_eq!(trim_reply(&text), "Το VPN δουλεύει πλέον.");
    }

    #[test]
    fn html_pre_keeps_its_spacing_and_broken_markup_is_text() {
        assert_eq!(
            html_to_text("<pre>  a  b\n c</pre>after"),
            "  a  b\n c\nafter"
        );
        assert_eq!(html_to_text("1 < 2 and <b>3 > 2"), "1 < 2 and 3 > 2");
        assert_eq!(html_to_text("a <unclosed"), "a");
        assert_eq!(html_to_text("a <p title=\"x>y"), "a");
        assert_eq!(html_to_text("<p class=don't>it's</p>"), "it's");
        assert_eq!(html_to_text("<a title='x>y'>link</a>"), "link");
        assert_eq!(html_to_text("<style>never closed"), "");
        assert_eq!(html_to_text("x<!-- never closed"), "x");
        assert_eq!(html_to_text("&#xFFFFFFFF; &#55296;"), "\u{fffd} \u{fffd}");
        assert_eq!(
            html_to_text("a && b &amp;&amp c &#233"),
            "a && b &&amp c &#233"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        #[test]
        fn text_functions_never_panic(s in "(?s).{0,400}") {
            let _ = trim_reply(&s);
            let _ = html_to_text(&s);
            let _ = clean_subject(&s, &SubjectTag::default());
            let _ = is_forward(&s);
        }

        #[test]
        fn html_like_input_never_panics(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("<".to_owned()),
                    proptest::strategy::Just(">".to_owned()),
                    proptest::strategy::Just("&".to_owned()),
                    proptest::strategy::Just(";".to_owned()),
                    proptest::strategy::Just("<blockquote>".to_owned()),
                    proptest::strategy::Just("</blockquote>".to_owned()),
                    proptest::strategy::Just("<pre>".to_owned()),
                    proptest::strategy::Just("<!--".to_owned()),
                    proptest::strategy::Just("\"".to_owned()),
                    "[a-zé#0-9 \n]{0,5}",
                ],
                0..40,
            )
        ) {
            let html = parts.concat();
            let text = html_to_text(&html);
            let _ = trim_reply(&text);
        }

        #[test]
        fn trimming_keeps_a_prefix_of_the_lines(s in "[a-z>\\- \n:@0-9]{0,200}") {
            // Whatever is trimmed, the result's lines are lines of the input.
            let trimmed = trim_reply(&s);
            let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
            for line in trimmed.lines() {
                proptest::prop_assert!(lines.contains(&line), "{line:?} not in {s:?}");
            }
        }
    }
}
