//! Text folding, tokenizing and query parsing: the one set of rules every
//! search back end uses.
//!
//! # Folding
//!
//! [`fold`] makes matching case-insensitive across Unicode and
//! diacritic-insensitive: each character is decomposed (Unicode NFD), its
//! combining marks (General Category M) are dropped and the rest is
//! lowercased; Greek final sigma `ς` becomes `σ`. So `Café` = `cafe`,
//! `Κωδικός` = `κωδικοσ`, `jelszó` = `jelszo`, `ő` = `o`, `ű` = `u`,
//! `Ёлка` = `елка`, and also `й` = `и` (the breve is a combining mark too).
//!
//! Letters that are not written with a combining mark stay as they are:
//! `ß`, `ø`, `ł`, `æ`, `đ`. Scripts whose vowel signs are combining marks
//! (Devanagari, Thai, ...) match more loosely than a native speaker would
//! like, but still consistently: the same rule runs on the indexed text and
//! on the query.
//!
//! # Tokens
//!
//! [`tokens`] splits folded text into words: runs of alphanumeric
//! characters (`char::is_alphanumeric`); everything else separates words
//! (so `l'imprimante` is `l` + `imprimante` and `wi-fi` is `wi` + `fi`).
//! There is **no stemming and there are no stop words**: `printers` does
//! not match `printer`, as with SQLite FTS5's `unicode61` tokenizer and
//! PostgreSQL's `simple` configuration. The last word of a query matching
//! as a prefix recovers much of what stemming would (`принтер` finds
//! `принтера`, `nyomtató` finds `nyomtatót`).
//!
//! # Queries
//!
//! [`Query::parse`] reads what a user typed and never fails: words,
//! `"quoted phrases"`, and the last word as a prefix while the user is
//! still typing it (search as you type). Nothing in the input is syntax
//! beyond the quote: `*`, `:`, `-`, `NEAR`, `OR`, parentheses and SQL
//! quotes are ordinary characters (and, not being alphanumeric, separate
//! words). [`Query::to_fts5`] and [`Query::to_tsquery`] render the parsed
//! query for SQLite and PostgreSQL with every word quoted.
//!
//! ```
//! use helpdesk::kb::text::{fold, Query, Match};
//! assert_eq!(fold("Κωδικός ΠΡΌΣΒΑΣΗΣ"), "κωδικοσ προσβασησ");
//!
//! let q = Query::parse(r#"VPN "mot de passe" oubli"#);
//! assert_eq!(q.to_fts5(Match::All).as_deref(), Some(r#""vpn" AND "mot de passe" AND "oubli"*"#));
//! assert_eq!(q.to_tsquery(Match::All).as_deref(), Some("'vpn' & ('mot' <-> 'de' <-> 'passe') & 'oubli':*"));
//!
//! // Hostile input is just words.
//! let q = Query::parse(r#"x" OR 1=1; DROP TABLE kb; -- NEAR(a b) col:*"#);
//! assert_eq!(q.to_fts5(Match::All).as_deref(),
//!     Some(r#""x" AND "or" AND "1 1" AND "drop" AND "table" AND "kb" AND "near a" AND "b" AND "col""#));
//! ```

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// The longest query read, in characters; the rest of a longer input is ignored.
pub const MAX_QUERY_CHARS: usize = 512;
/// The most clauses (words and phrases) a query keeps; later ones are ignored.
pub const MAX_CLAUSES: usize = 16;
/// The most words a phrase keeps; the rest of a longer phrase is ignored.
pub const MAX_PHRASE_WORDS: usize = 16;
/// The shortest last word (in characters) that matches as a prefix. A
/// one-letter prefix would match most of the index, so a one-letter last
/// word matches whole.
pub const MIN_PREFIX_CHARS: usize = 2;

/// Appends the folded form of `c` to `out`: decomposed, without combining
/// marks, lowercased, final sigma as sigma.
fn fold_char_into(c: char, out: &mut String) {
    // ASCII has no decompositions and no marks. Skipping the two table
    // lookups took the median search of `benches/kb.rs` (ASCII text, where
    // snippets tokenize ten bodies) from 196 to 149 µs and indexing from
    // 19,000 to 22,000 articles/s; other scripts take the full path.
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    decompose_canonical(c, |d| {
        if is_combining_mark(d) {
            return;
        }
        for l in d.to_lowercase() {
            // Lowercasing can itself produce a mark (`İ` is `i` + dot above).
            if !is_combining_mark(l) {
                out.push(if l == 'ς' { 'σ' } else { l });
            }
        }
    });
}

/// Folds text for matching: lowercase, without diacritics, `ς` as `σ`.
/// Everything else (spaces, punctuation) is kept.
///
/// ```
/// use helpdesk::kb::text::fold;
/// assert_eq!(fold("Réinitialiser"), "reinitialiser");
/// assert_eq!(fold("Εκτυπωτής"), "εκτυπωτησ");
/// assert_eq!(fold("JELSZÓ-visszaállítás, nyomtatő"), "jelszo-visszaallitas, nyomtato");
/// assert_eq!(fold("Сброс пароля"), "сброс пароля");
/// ```
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char_into(c, &mut out);
    }
    out
}

/// One word of a text: its folded form and where it is in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The folded word, e.g. `reinitialiser`.
    pub text: String,
    /// Byte offset of its first character in the original text.
    pub start: usize,
    /// Byte offset just past its last character (including trailing marks).
    pub end: usize,
}

/// The words of `s`, in order, with their places in `s`.
///
/// ```
/// use helpdesk::kb::text::tokens;
/// let t = tokens("L'imprimante « HP-4250 » est hors-ligne.");
/// let words: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
/// assert_eq!(words, ["l", "imprimante", "hp", "4250", "est", "hors", "ligne"]);
/// assert_eq!(&"L'imprimante"[t[1].start..t[1].end], "imprimante");
/// ```
pub fn tokens(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut current: Option<Token> = None;
    let mut folded = String::new();
    for (i, c) in s.char_indices() {
        folded.clear();
        fold_char_into(c, &mut folded);
        let end = i + c.len_utf8();
        if folded.is_empty() {
            // A combining mark (or a character that folds to nothing)
            // belongs to the word it follows and never splits one.
            if let Some(t) = &mut current {
                t.end = end;
            }
        } else if folded.chars().all(char::is_alphanumeric) {
            match &mut current {
                Some(t) => {
                    t.text.push_str(&folded);
                    t.end = end;
                }
                None => {
                    current = Some(Token {
                        text: folded.clone(),
                        start: i,
                        end,
                    });
                }
            }
        } else if let Some(t) = current.take() {
            out.push(t);
        }
    }
    out.extend(current);
    out
}

/// The folded words of `s` joined by single spaces: the text the SQL back
/// ends put in their full-text columns, so SQLite's and PostgreSQL's own
/// tokenizers see exactly the words this module found.
///
/// ```
/// use helpdesk::kb::text::index_text;
/// assert_eq!(index_text("Wi-Fi: « Connexion impossible »"), "wi fi connexion impossible");
/// ```
pub fn index_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for t in tokens(s) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.text);
    }
    out
}

/// Markdown made plain enough to index and to cut snippets from: heading
/// marks, list bullets, block quotes, emphasis and code marks, table pipes
/// and HTML tags go; a link keeps its text and loses its address; an image
/// keeps its alt text. Lines stay lines.
///
/// It is a light pass, not a Markdown parser: its one job is that search
/// sees the words a reader sees. Every back end indexes this text.
///
/// ```
/// use helpdesk::kb::text::plain_text;
/// let md = "## Steps\n\n1. Open **Settings** > [Network](https://intra.example.com/net)\n- Run `ipconfig /renew`";
/// assert_eq!(plain_text(md), "Steps\n\nOpen Settings > Network\nRun ipconfig /renew");
/// ```
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for (n, line) in markdown.lines().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let line = line.trim();
        if line.starts_with("```") || line.starts_with("~~~") {
            continue;
        }
        if line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) && line.contains("--") {
            continue; // a table's header rule
        }
        let mut plain = String::new();
        inline_plain(strip_block_marks(line), &mut plain);
        out.push_str(plain.trim_end());
    }
    out.truncate(out.trim_end().len());
    out
}

/// The line without a leading heading mark, block quote, bullet or number.
fn strip_block_marks(mut line: &str) -> &str {
    loop {
        let before = line;
        line = line.trim_start();
        if let Some(rest) = line.strip_prefix('>') {
            line = rest;
        }
        let hashes = line.len() - line.trim_start_matches('#').len();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            line = &line[hashes..];
        }
        for bullet in ["- ", "* ", "+ "] {
            if let Some(rest) = line.strip_prefix(bullet) {
                line = rest;
            }
        }
        let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") ")) {
            line = &line[digits + 1..];
        }
        if line == before {
            return line.trim();
        }
    }
}

/// Appends the line's text without inline Markdown.
fn inline_plain(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        // `![alt](url)` and `[text](url)`: keep the text.
        let link_start = if rest.starts_with("![") {
            Some(2)
        } else if c == '[' {
            Some(1)
        } else {
            None
        };
        if let Some(skip) = link_start
            && let Some((text, after)) = link_parts(&rest[skip..])
        {
            inline_plain(text, out);
            rest = after;
            continue;
        }
        // An HTML tag or an autolink `<https://...>`.
        if c == '<'
            && let Some(close) = rest.find('>')
        {
            let inner = &rest[1..close];
            let tag_like = inner
                .chars()
                .next()
                .is_some_and(|f| f.is_ascii_alphabetic() || f == '/' || f == '!');
            if tag_like && !inner.contains(char::is_whitespace) || inner.starts_with('/') {
                if inner.contains("://") || inner.contains('@') {
                    out.push_str(inner);
                }
                rest = &rest[close + 1..];
                continue;
            }
        }
        match c {
            '*' | '`' | '|' => {}
            '~' if rest.starts_with("~~") => {
                rest = &rest[2..];
                continue;
            }
            '\\' => {
                // An escaped character stands for itself.
                rest = &rest[1..];
                if let Some(next) = rest.chars().next() {
                    out.push(next);
                    rest = &rest[next.len_utf8()..];
                }
                continue;
            }
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
}

/// For `text](url)rest`: `Some((text, rest))`.
fn link_parts(s: &str) -> Option<(&str, &str)> {
    let close = s.find("](")?;
    let text = &s[..close];
    if text.contains('[') {
        return None;
    }
    let after = &s[close + 2..];
    let end = after.find(')')?;
    Some((text, &after[end + 1..]))
}

/// How a query's clauses combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Match {
    /// Every clause must match (what FTS5 and `tsquery` do by default).
    #[default]
    All,
    /// At least one clause must match; more matches rank higher. Search
    /// falls back to this when no article matches every clause.
    Any,
}

/// One part of a query: a word, or a phrase (words that must follow each
/// other in the same field), the last word possibly a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Clause {
    words: Vec<String>,
    prefix: bool,
}

impl Clause {
    /// The folded words, never empty; one word unless it is a phrase.
    pub fn words(&self) -> &[String] {
        &self.words
    }
    /// Whether the last word matches as a prefix.
    pub fn is_prefix(&self) -> bool {
        self.prefix
    }
    /// Whether it is a phrase of several words.
    pub fn is_phrase(&self) -> bool {
        self.words.len() > 1
    }
}

/// A parsed search query: clauses that all (or, relaxed, any) must match.
///
/// - Words are folded and split as in [`tokens`].
/// - `"quoted words"` form a phrase. Typographic quotes count too: `“ ” „ « »`.
///   An unpaired quote is ignored.
/// - A word with inner punctuation (`wi-fi`, `802.1x`, `e-mail`) is a
///   phrase of its parts, since that is how the text was indexed.
/// - While the input ends inside a word (no trailing space, quote or
///   punctuation), that last word is a prefix, if it has at least
///   [`MIN_PREFIX_CHARS`] characters and is not inside quotes.
/// - The same clause twice counts once.
///
/// ```
/// use helpdesk::kb::text::Query;
/// let q = Query::parse("Wi-Fi «mot de passe» imprim");
/// let words: Vec<Vec<&str>> = q.clauses().iter()
///     .map(|c| c.words().iter().map(String::as_str).collect()).collect();
/// assert_eq!(words, [vec!["wi", "fi"], vec!["mot", "de", "passe"], vec!["imprim"]]);
/// assert!(q.clauses()[2].is_prefix());
/// // A trailing space ends the word: no prefix.
/// assert!(!Query::parse("imprim ").clauses()[0].is_prefix());
/// assert!(Query::parse(" \"\" -*- ").is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Query {
    clauses: Vec<Clause>,
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '«' | '»')
}

/// Adds the clauses of one piece of input: a quoted phrase, or the words
/// of the unquoted text between quotes.
fn push_segment(segment: &str, quoted: bool, clauses: &mut Vec<Clause>) {
    let mut push = |words: Vec<Token>| {
        if !words.is_empty() {
            clauses.push(Clause {
                words: words
                    .into_iter()
                    .take(MAX_PHRASE_WORDS)
                    .map(|t| t.text)
                    .collect(),
                prefix: false,
            });
        }
    };
    if quoted {
        push(tokens(segment));
    } else {
        for word in segment.split_whitespace() {
            push(tokens(word));
        }
    }
}

impl Query {
    /// Parses what a user typed. Never fails; the worst input gives an
    /// empty query, which matches nothing.
    pub fn parse(input: &str) -> Query {
        let input = match input.char_indices().nth(MAX_QUERY_CHARS) {
            Some((cut, _)) => &input[..cut],
            None => input,
        };
        let quotes = input.chars().filter(|&c| is_quote(c)).count();
        // With an odd number of quotes the last one is unpaired: ignored
        // (it separates words like any punctuation).
        let paired = quotes - quotes % 2;
        let mut clauses = Vec::new();
        let mut segment = String::new();
        let mut in_quotes = false;
        let mut seen = 0;
        for c in input.chars() {
            if is_quote(c) && seen < paired {
                seen += 1;
                push_segment(&segment, in_quotes, &mut clauses);
                segment.clear();
                in_quotes = !in_quotes;
            } else {
                segment.push(c);
            }
        }
        push_segment(&segment, in_quotes, &mut clauses);
        // Search as you type: when the input ends inside an unquoted word,
        // the last clause came from that word.
        let ends_in_word = input
            .chars()
            .next_back()
            .is_some_and(|c| is_combining_mark(c) || tokens(c.encode_utf8(&mut [0; 4])).len() == 1);
        if ends_in_word && let Some(last) = clauses.last_mut() {
            let chars = last.words.last().map_or(0, |w| w.chars().count());
            last.prefix = chars >= MIN_PREFIX_CHARS;
        }
        let mut query = Query::default();
        for clause in clauses {
            if query.clauses.len() == MAX_CLAUSES {
                break;
            }
            if !query.clauses.contains(&clause) {
                query.clauses.push(clause);
            }
        }
        query
    }

    /// The clauses, in the order typed.
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    /// Whether there is nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// The query as an SQLite FTS5 `MATCH` expression, or `None` when it is
    /// empty (an empty `MATCH` is an error in FTS5: search nothing).
    ///
    /// Every clause is a double-quoted FTS5 string (a phrase of one or more
    /// words; `"` inside would be doubled, though folded words never hold
    /// one), a prefix gets `*` after the string, and clauses are joined by
    /// `AND` or `OR`. So user input can never form an FTS5 operator, column
    /// filter or `NEAR` group. Bind it as a parameter (`... MATCH ?1`), never
    /// into the SQL text.
    ///
    /// ```
    /// use helpdesk::kb::text::{Match, Query};
    /// let q = Query::parse(r#"NEAR("vpn" OR title:x*) -cert"#);
    /// assert_eq!(q.to_fts5(Match::Any).as_deref(), Some(r#""near" OR "vpn" OR "or" OR "title x" OR "cert"*"#));
    /// assert_eq!(Query::parse("\"").to_fts5(Match::All), None);
    /// ```
    pub fn to_fts5(&self, mode: Match) -> Option<String> {
        let joiner = match mode {
            Match::All => " AND ",
            Match::Any => " OR ",
        };
        let parts: Vec<String> = self
            .clauses
            .iter()
            .map(|c| {
                let mut s = String::from("\"");
                s.push_str(&c.words.join(" ").replace('"', "\"\""));
                s.push('"');
                if c.prefix {
                    s.push('*');
                }
                s
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(joiner))
    }

    /// The query as a PostgreSQL `tsquery` string, for
    /// `to_tsquery('simple', $1)`, or `None` when it is empty.
    ///
    /// Every word is a single-quoted lexeme (`'` and `\` inside would be
    /// doubled and escaped, though folded words never hold them), a prefix
    /// ends in `:*`, a phrase is its words joined by `<->` in parentheses,
    /// and clauses are joined by `&` or `|`. `websearch_to_tsquery` cannot
    /// express a prefix, so the SQL back end takes this string instead. Bind
    /// it as a parameter, never into the SQL text.
    ///
    /// ```
    /// use helpdesk::kb::text::{Match, Query};
    /// let q = Query::parse("O'Brien's \"reset password\" e-mai");
    /// assert_eq!(q.to_tsquery(Match::All).as_deref(),
    ///     Some("('o' <-> 'brien' <-> 's') & ('reset' <-> 'password') & ('e' <-> 'mai':*)"));
    /// ```
    pub fn to_tsquery(&self, mode: Match) -> Option<String> {
        let joiner = match mode {
            Match::All => " & ",
            Match::Any => " | ",
        };
        let lexeme = |w: &str| format!("'{}'", w.replace('\\', "\\\\").replace('\'', "''"));
        let parts: Vec<String> = self
            .clauses
            .iter()
            .map(|c| {
                let mut words: Vec<String> = c.words.iter().map(|w| lexeme(w)).collect();
                if c.prefix
                    && let Some(last) = words.last_mut()
                {
                    last.push_str(":*");
                }
                if words.len() == 1 {
                    words.remove(0)
                } else {
                    format!("({})", words.join(" <-> "))
                }
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(joiner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(q: &Query) -> Vec<(String, bool)> {
        q.clauses()
            .iter()
            .map(|c| (c.words().join(" "), c.is_prefix()))
            .collect()
    }

    #[test]
    fn folding_removes_case_and_diacritics_in_the_seed_languages() {
        assert_eq!(fold("Éléphant ÇA Où"), "elephant ca ou");
        assert_eq!(fold("ΆΈΉΊΌΎΏ άέήίόύώ ϊΐ ϋΰ"), "αεηιουω αεηιουω ιι υυ");
        assert_eq!(fold("ΟΔΗΓΟΣ οδηγός"), "οδηγοσ οδηγοσ");
        assert_eq!(fold("őŐűŰ öü áéíóú"), "oouu ou aeiou");
        assert_eq!(fold("Ёжик Й"), "ежик и");
        assert_eq!(fold("İstanbul"), "istanbul");
        // Already decomposed input folds the same.
        assert_eq!(fold("e\u{301}te\u{301}"), "ete");
        assert_eq!(fold("straße"), "straße");
    }

    #[test]
    fn combining_marks_stay_inside_their_word() {
        let t = tokens("cafe\u{301} noir");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].text, "cafe");
        assert_eq!(t[0].end, "cafe\u{301}".len());
    }

    #[test]
    fn tokens_split_on_everything_but_letters_and_digits() {
        let t: Vec<String> = tokens("Outlook\u{0}2016—ne\tdémarre_pas! (802.1X)")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(t, ["outlook", "2016", "ne", "demarre", "pas", "802", "1x"]);
        assert!(tokens("  -- ** ").is_empty());
    }

    #[test]
    fn the_last_word_is_a_prefix_only_while_typing_it() {
        assert_eq!(
            words(&Query::parse("reset pass")),
            [("reset".into(), false), ("pass".into(), true)]
        );
        assert_eq!(
            words(&Query::parse("reset pass ")),
            [("reset".into(), false), ("pass".into(), false)]
        );
        assert_eq!(
            words(&Query::parse("reset pass?")),
            [("reset".into(), false), ("pass".into(), false)]
        );
        assert_eq!(
            words(&Query::parse("vpn c")),
            [("vpn".into(), false), ("c".into(), false)]
        );
        // A closed phrase is complete; an unclosed quote is ignored.
        assert_eq!(
            words(&Query::parse("\"reset pass\"")),
            [("reset pass".into(), false)]
        );
        assert_eq!(
            words(&Query::parse("\"reset pass")),
            [("reset".into(), false), ("pass".into(), true)]
        );
        // Greek and a trailing combining mark still count as inside a word.
        assert_eq!(words(&Query::parse("εκτυπωτ")), [("εκτυπωτ".into(), true)]);
        assert_eq!(words(&Query::parse("cafe\u{301}")), [("cafe".into(), true)]);
    }

    #[test]
    fn duplicates_count_once_and_limits_hold() {
        assert_eq!(
            words(&Query::parse("vpn VPN vpn ")),
            [("vpn".into(), false)]
        );
        let words: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        let long = "word ".repeat(1000) + &words.join(" ");
        assert!(Query::parse(&long).clauses().len() <= MAX_CLAUSES);
        let phrase = format!("\"{}\"", "a b c d e f g h i j k l m n o p q r s t");
        assert_eq!(
            Query::parse(&phrase).clauses()[0].words().len(),
            MAX_PHRASE_WORDS
        );
    }

    #[test]
    fn hostile_inputs_render_as_quoted_words() {
        let cases = [
            (
                "'; DROP TABLE articles; --",
                r#""drop" AND "table" AND "articles""#,
                "'drop' & 'table' & 'articles'",
            ),
            ("\"\"\"", "", ""),
            // Inner punctuation makes a phrase; a one-letter last word is no prefix.
            ("a\"b", r#""a b""#, "('a' <-> 'b')"),
            (
                "NEAR(x y, 2)",
                r#""near x" AND "y" AND "2""#,
                "('near' <-> 'x') & 'y' & '2'",
            ),
            (
                "title:vpn* -body",
                r#""title vpn" AND "body"*"#,
                "('title' <-> 'vpn') & 'body':*",
            ),
            (
                "a:* & !b | c <-> d",
                r#""a" AND "b" AND "c" AND "d""#,
                "'a' & 'b' & 'c' & 'd'",
            ),
            ("\u{0}\u{0}", "", ""),
            ("^vpn", r#""vpn"*"#, "'vpn':*"),
        ];
        for (input, fts5, tsquery) in cases {
            let q = Query::parse(input);
            assert_eq!(q.to_fts5(Match::All).unwrap_or_default(), fts5, "{input}");
            assert_eq!(
                q.to_tsquery(Match::All).unwrap_or_default(),
                tsquery,
                "{input}"
            );
        }
    }

    /// Checks the FTS5 grammar the renderer promises: quoted strings of
    /// alphanumeric words separated by single spaces, each optionally
    /// followed by `*`, joined by ` AND ` / ` OR `.
    fn is_safe_fts5(s: &str, joiner: &str) -> bool {
        s.split(joiner).all(|part| {
            let part = part.strip_suffix('*').unwrap_or(part);
            let Some(inner) = part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else {
                return false;
            };
            !inner.is_empty()
                && inner
                    .split(' ')
                    .all(|w| !w.is_empty() && w.chars().all(char::is_alphanumeric))
        })
    }

    /// Checks the tsquery grammar: `'word'` lexemes (the last of a clause
    /// optionally `:*`), phrases as `(a <-> b)`, joined by ` & ` / ` | `.
    fn is_safe_tsquery(s: &str, joiner: &str) -> bool {
        s.split(joiner).all(|part| {
            let inner = part
                .strip_prefix('(')
                .and_then(|p| p.strip_suffix(')'))
                .unwrap_or(part);
            let lexemes: Vec<&str> = inner.split(" <-> ").collect();
            lexemes.iter().enumerate().all(|(i, l)| {
                let l = if i + 1 == lexemes.len() {
                    l.strip_suffix(":*").unwrap_or(l)
                } else {
                    l
                };
                l.strip_prefix('\'')
                    .and_then(|l| l.strip_suffix('\''))
                    .is_some_and(|w| !w.is_empty() && w.chars().all(char::is_alphanumeric))
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_input_renders_only_escaped_words(input in "\\PC*|[\"*:()' \\-&|!<>NEARO0\\x00a-z]{0,40}") {
            let q = Query::parse(&input);
            for (mode, fts_join, ts_join) in [(Match::All, " AND ", " & "), (Match::Any, " OR ", " | ")] {
                match (q.to_fts5(mode), q.to_tsquery(mode)) {
                    (Some(f), Some(t)) => {
                        prop_assert!(is_safe_fts5(&f, fts_join), "fts5 {f:?} from {input:?}");
                        prop_assert!(is_safe_tsquery(&t, ts_join), "tsquery {t:?} from {input:?}");
                    }
                    (None, None) => prop_assert!(q.is_empty()),
                    other => prop_assert!(false, "renderers disagree: {other:?}"),
                }
            }
        }

        #[test]
        fn folding_is_idempotent_and_tokens_are_folded(input in "\\PC{0,60}") {
            let f = fold(&input);
            prop_assert_eq!(fold(&f), f.clone());
            for t in tokens(&input) {
                prop_assert!(!t.text.is_empty());
                prop_assert_eq!(fold(&t.text), t.text.clone());
                prop_assert!(input.is_char_boundary(t.start) && input.is_char_boundary(t.end));
                prop_assert_eq!(tokens(&input[t.start..t.end]).len(), 1);
            }
        }
    }
}
