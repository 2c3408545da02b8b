//! Highlighting: the words of a text that a query matched, wrapped in
//! `<mark>`, and a snippet of a body around its best match. Output is HTML:
//! the text is escaped, only the `<mark>` tags are markup.

use super::text::{Clause, Query, Token, tokens};

/// How many words a snippet shows.
pub(crate) const SNIPPET_WORDS: usize = 32;
/// How many words a snippet shows before its first match.
const LEAD_WORDS: usize = 4;
/// The longest run of non-word characters kept between two words.
const MAX_GAP_CHARS: usize = 16;

/// Finds a query's matches in texts.
pub(crate) struct Highlighter<'q> {
    clauses: &'q [Clause],
}

/// The matches in one text: which tokens to mark, and where each clause
/// matched (the index of its first token, the clause's index).
struct Matches {
    marked: Vec<bool>,
    hits: Vec<(usize, usize)>,
}

impl<'q> Highlighter<'q> {
    pub(crate) fn new(query: &'q Query) -> Self {
        Highlighter {
            clauses: query.clauses(),
        }
    }

    fn matches(&self, toks: &[Token]) -> Matches {
        let mut marked = vec![false; toks.len()];
        let mut hits = Vec::new();
        for (ci, clause) in self.clauses.iter().enumerate() {
            let words = clause.words();
            if words.len() > toks.len() {
                continue;
            }
            for start in 0..=toks.len() - words.len() {
                let all = words.iter().enumerate().all(|(j, w)| {
                    let t = &toks[start + j].text;
                    if clause.is_prefix() && j + 1 == words.len() {
                        t.starts_with(w.as_str())
                    } else {
                        t == w
                    }
                });
                if all {
                    marked[start..start + words.len()].fill(true);
                    hits.push((start, ci));
                }
            }
        }
        hits.sort_unstable();
        Matches { marked, hits }
    }

    /// The whole text, escaped, with the matches marked (for titles).
    pub(crate) fn highlight(&self, text: &str) -> String {
        let toks = tokens(text);
        let m = self.matches(&toks);
        let mut out = String::with_capacity(text.len() + 16);
        escape_into(
            &text[..toks.first().map_or(text.len(), |t| t.start)],
            &mut out,
        );
        render(text, &toks, &m.marked, 0, toks.len(), &mut out);
        if let Some(last) = toks.last() {
            escape_into(&text[last.end..], &mut out);
        }
        out
    }

    /// About [`SNIPPET_WORDS`] words of `text` around its best match (the
    /// window with the most different clauses matched, then the most marked
    /// words, the earliest of equals), escaped and marked, with `…` where
    /// text was cut. The text's start when nothing matches.
    pub(crate) fn snippet(&self, text: &str) -> String {
        let toks = tokens(text);
        if toks.is_empty() {
            return String::new();
        }
        let m = self.matches(&toks);
        let window = SNIPPET_WORDS.min(toks.len());
        let mut best = (0, 0, 0); // (distinct clauses, marked words, start)
        for &(pos, _) in &m.hits {
            let start = pos.saturating_sub(LEAD_WORDS).min(toks.len() - window);
            let end = start + window;
            let mut clauses: Vec<usize> = m
                .hits
                .iter()
                .filter(|&&(p, _)| p >= start && p < end)
                .map(|&(_, c)| c)
                .collect();
            clauses.sort_unstable();
            clauses.dedup();
            let marked = m.marked[start..end].iter().filter(|&&b| b).count();
            if (clauses.len(), marked) > (best.0, best.1) {
                best = (clauses.len(), marked, start);
            }
        }
        let start = best.2;
        let end = start + window;
        let mut out = String::new();
        if start > 0 {
            out.push('…');
        } else {
            push_gap(text[..toks[0].start].trim(), &mut out);
        }
        render(text, &toks, &m.marked, start, end, &mut out);
        if end < toks.len() {
            out.push('…');
        } else {
            push_gap(text[toks[end - 1].end..].trim(), &mut out);
        }
        out
    }
}

/// Appends tokens `from..to` of `text` and the gaps between them, escaped,
/// with runs of marked tokens inside one `<mark>`.
fn render(text: &str, toks: &[Token], marked: &[bool], from: usize, to: usize, out: &mut String) {
    let mut open = false;
    for i in from..to {
        if i > from {
            let gap = &text[toks[i - 1].end..toks[i].start];
            let joins_run = open && marked[i] && gap.chars().all(char::is_whitespace);
            if open && !joins_run {
                out.push_str("</mark>");
                open = false;
            }
            push_gap(gap, out);
        }
        if marked[i] && !open {
            out.push_str("<mark>");
            open = true;
        }
        escape_into(&text[toks[i].start..toks[i].end], out);
    }
    if open {
        out.push_str("</mark>");
    }
}

/// A gap between words: whitespace collapsed to one space, long runs of
/// symbols shortened.
fn push_gap(gap: &str, out: &mut String) {
    let mut kept = 0;
    let mut space = false;
    for c in gap.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if kept < MAX_GAP_CHARS {
            escape_char(c, out);
            kept += 1;
        }
    }
    if space {
        out.push(' ');
    }
}

fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        escape_char(c, out);
    }
}

fn escape_char(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_escaped_and_marked() {
        let q = Query::parse("imprimante réseau");
        let h = Highlighter::new(&q);
        assert_eq!(
            h.highlight("L'imprimante <réseau> & Wi-Fi"),
            "L&#39;<mark>imprimante</mark> &lt;<mark>réseau</mark>&gt; &amp; Wi-Fi"
        );
    }

    #[test]
    fn phrases_are_marked_as_one_run_and_prefixes_whole_words() {
        let q = Query::parse("\"mot de passe\" oubl");
        let h = Highlighter::new(&q);
        assert_eq!(
            h.highlight("Mot de passe oublié ? Le mot est de trop."),
            "<mark>Mot de passe oublié</mark> ? Le mot est de trop."
        );
    }

    #[test]
    fn the_snippet_is_cut_around_the_best_match() {
        let mut body = "filler ".repeat(50);
        body.push_str("restart the print spooler service, then print a test page");
        body.push_str(&" more".repeat(50));
        let q = Query::parse("spooler test");
        let s = Highlighter::new(&q).snippet(&body);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>spooler</mark>") && s.contains("<mark>test</mark>"));
        assert_eq!(s.matches(' ').count(), SNIPPET_WORDS - 1, "{s}");
    }

    #[test]
    fn a_snippet_without_a_match_is_the_start() {
        let q = Query::parse("absent");
        let s = Highlighter::new(&q).snippet("Short body.\n\nSecond   line <b>.");
        assert_eq!(s, "Short body. Second line &lt;b&gt;.");
    }
}
