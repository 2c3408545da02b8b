//! Taking a requester's personal data out of text, for an article drafted
//! from their ticket: their name (whole, and each part of it), email
//! addresses (theirs and any other), phone number (however it is spaced or
//! punctuated) and organization become placeholders.

use super::text::fold;

/// What is known about a person, to be taken out of text. Several values
/// of a kind may be given (the contact details a ticket had over time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PersonalData {
    /// Names, e.g. `Ada Lovelace`.
    pub names: Vec<String>,
    /// Email addresses.
    pub emails: Vec<String>,
    /// Phone numbers, as written anywhere.
    pub phones: Vec<String>,
    /// Organizations.
    pub organizations: Vec<String>,
}

/// The placeholder a name becomes.
pub const NAME: &str = "[name]";
/// The placeholder an email address becomes.
pub const EMAIL: &str = "[email]";
/// The placeholder a phone number becomes.
pub const PHONE: &str = "[phone]";
/// The placeholder an organization becomes.
pub const ORGANIZATION: &str = "[organization]";

/// The shortest part of a name removed on its own (shorter ones, like
/// `Li` or `de`, would take out ordinary words).
const MIN_NAME_PART_CHARS: usize = 3;
/// The fewest digits a phone number must have to be looked for.
const MIN_PHONE_DIGITS: usize = 6;
/// How many last digits two numbers must share to be the same phone
/// (the subscriber part, without country code or trunk prefix).
const PHONE_SUFFIX_DIGITS: usize = 8;

/// `text` without `who`'s personal data, and without any email address.
///
/// Matching ignores case and diacritics (`ADA`, `Adá`), and whole words
/// only (`Ada` is not taken out of `Adam`).
///
/// ```
/// use helpdesk::kb::redact::{PersonalData, redact};
/// let mut who = PersonalData::default();
/// who.names.push("Zoë Ångström".into());
/// who.phones.push("+44 20 7946 0958".into());
/// who.organizations.push("Acme Ltd".into());
/// let text = "Hi ZOE, call me on 020-7946-0958 or zoe@acme.example. -- Zoë, ACME LTD";
/// assert_eq!(redact(text, &who), "Hi [name], call me on [phone] or [email]. -- [name], [organization]");
/// ```
pub fn redact(text: &str, who: &PersonalData) -> String {
    let mut out = redact_emails(text);
    out = redact_phones(&out, &who.phones);
    // Longer phrases first, so `Acme Ltd` goes before a name part `Acme`.
    let mut phrases: Vec<(String, &str)> = Vec::new();
    for o in &who.organizations {
        phrases.push((o.clone(), ORGANIZATION));
        // People write `Acme` for `Acme Ltd`.
        if let Some(short) = without_legal_form(o) {
            phrases.push((short.to_owned(), ORGANIZATION));
        }
    }
    for n in &who.names {
        phrases.push((n.clone(), NAME));
        for part in n.split(|c: char| !c.is_alphanumeric()) {
            if part.chars().count() >= MIN_NAME_PART_CHARS {
                phrases.push((part.to_owned(), NAME));
            }
        }
    }
    for e in &who.emails {
        // An address written without its domain, e.g. the local part as a signature.
        if let Some((local, _)) = e.split_once('@')
            && local.chars().count() >= MIN_NAME_PART_CHARS
        {
            phrases.push((local.to_owned(), EMAIL));
        }
    }
    phrases.retain(|(p, _)| !p.trim().is_empty());
    phrases.sort_by_key(|(p, _)| std::cmp::Reverse(p.chars().count()));
    for (phrase, placeholder) in phrases {
        out = replace_words(&out, phrase.trim(), placeholder);
    }
    out
}

/// Legal forms that people leave out when they name an organization.
const LEGAL_FORMS: [&str; 24] = [
    "ltd", "limited", "inc", "llc", "plc", "corp", "co", "gmbh", "ag", "sa", "sas", "sarl", "srl",
    "spa", "bv", "nv", "oy", "ab", "as", "kft", "zrt", "bt", "ооо", "ае",
];

/// The organization's name without a trailing legal form (`Acme Ltd.` ->
/// `Acme`), when it has one and something is left.
fn without_legal_form(org: &str) -> Option<&str> {
    let trimmed = org.trim_end_matches(|c: char| !c.is_alphanumeric());
    let cut = trimmed.rfind(|c: char| !c.is_alphanumeric())?;
    let last = fold(&trimmed[cut..]);
    let last = last.trim_start_matches(|c: char| !c.is_alphanumeric());
    let rest = trimmed[..cut].trim_end_matches(|c: char| !c.is_alphanumeric());
    (LEGAL_FORMS.contains(&last) && rest.chars().count() >= MIN_NAME_PART_CHARS).then_some(rest)
}

/// Replaces whole-word occurrences of `phrase` (ignoring case and
/// diacritics) with `placeholder`.
fn replace_words(text: &str, phrase: &str, placeholder: &str) -> String {
    let target: Vec<char> = fold(phrase).chars().collect();
    if target.is_empty() {
        return text.to_owned();
    }
    // Folded characters of the text, each with the byte span it came from.
    let mut folded: Vec<(char, usize, usize)> = Vec::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let f = fold(c.encode_utf8(&mut [0; 4]));
        if f.is_empty() {
            // A combining mark belongs to the character before it.
            if let Some(last) = folded.last_mut() {
                last.2 = end;
            }
        }
        for fc in f.chars() {
            folded.push((fc, i, end));
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i + target.len() <= folded.len() {
        let matches = folded[i..i + target.len()]
            .iter()
            .zip(&target)
            .all(|((c, _, _), t)| c == t);
        let before_ok = i == 0 || !folded[i - 1].0.is_alphanumeric();
        let after = i + target.len();
        let after_ok = after == folded.len() || !folded[after].0.is_alphanumeric();
        if matches && before_ok && after_ok && folded[i].1 >= copied {
            out.push_str(&text[copied..folded[i].1]);
            out.push_str(placeholder);
            copied = folded[after - 1].2;
            i = after;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Replaces every email-shaped word (`local@domain.tld`).
fn redact_emails(text: &str) -> String {
    let is_part = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let mut out = String::with_capacity(text.len());
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    let mut copied = 0;
    while i < chars.len() {
        if chars[i].1 == '@' {
            let mut s = i;
            while s > 0 && is_part(chars[s - 1].1) {
                s -= 1;
            }
            let mut e = i + 1;
            while e < chars.len() && is_part(chars[e].1) {
                e += 1;
            }
            // Trailing dots end a sentence, not the address.
            while e > i + 1 && chars[e - 1].1 == '.' {
                e -= 1;
            }
            let domain: String = chars[i + 1..e].iter().map(|(_, c)| *c).collect();
            if s < i && domain.contains('.') && chars[s].0 >= copied {
                out.push_str(&text[copied..chars[s].0]);
                out.push_str(EMAIL);
                copied = chars.get(e).map_or(text.len(), |(b, _)| *b);
                i = e;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// Replaces runs of digits and phone punctuation whose last digits are
/// those of one of `phones` (so `+33 (0)1 23 45 67 89`, `01.23.45.67.89`
/// and `0123456789` are all the same number).
fn redact_phones(text: &str, phones: &[String]) -> String {
    let digits_of = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let wanted: Vec<String> = phones
        .iter()
        .map(|p| digits_of(p))
        .filter(|d| d.len() >= MIN_PHONE_DIGITS)
        .collect();
    if wanted.is_empty() {
        return text.to_owned();
    }
    let same = |a: &str, b: &str| {
        let k = PHONE_SUFFIX_DIGITS.min(a.len()).min(b.len());
        k >= MIN_PHONE_DIGITS && a[a.len() - k..] == b[b.len() - k..]
    };
    let is_phone_char =
        |c: char| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '+' | '/');
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if !(c.is_ascii_digit() || c == '+' || c == '(') {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && is_phone_char(chars[end].1) {
            end += 1;
        }
        // Trailing separators belong to the sentence.
        let mut last = end;
        while last > i && !chars[last - 1].1.is_ascii_digit() {
            last -= 1;
        }
        if last > i {
            let (from, to) = (chars[i].0, chars.get(last).map_or(text.len(), |x| x.0));
            let digits = digits_of(&text[from..to]);
            if wanted.iter().any(|w| same(w, &digits)) {
                out.push_str(&text[copied..from]);
                out.push_str(PHONE);
                copied = to;
            }
        }
        i = end.max(i + 1);
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> PersonalData {
        PersonalData {
            names: vec!["Ada King-Lovelace".into()],
            emails: vec!["ada.lovelace@analytical.example".into()],
            phones: vec!["+33 1 23 45 67 89".into()],
            organizations: vec!["Analytical Engines SA".into()],
        }
    }

    #[test]
    fn names_emails_phones_and_organizations_go() {
        let text = "Dear Ada, Mrs KING-LOVELACE of Analytical Engines SA (ada.lovelace@analytical.example, \
                    other@x.org) called from 01.23.45.67.89 and +33 (0)1 23 45 67 89. Regards, ada.lovelace";
        let r = redact(text, &ada());
        for gone in [
            "Ada",
            "KING",
            "LOVELACE",
            "Analytical",
            "lovelace",
            "other@x.org",
            "45",
            "67",
        ] {
            assert!(
                !r.to_lowercase().contains(&gone.to_lowercase()),
                "{gone} in {r}"
            );
        }
        assert!(
            r.contains(NAME) && r.contains(EMAIL) && r.contains(PHONE) && r.contains(ORGANIZATION),
            "{r}"
        );
    }

    #[test]
    fn only_whole_words_and_other_numbers_stay() {
        let r = redact(
            "Adam reset the adapter; error 0x80070005, ticket 1234567",
            &ada(),
        );
        assert_eq!(
            r,
            "Adam reset the adapter; error 0x80070005, ticket 1234567"
        );
        assert_eq!(redact("(", &ada()), "(");
        assert_eq!(redact("+ and ( and 1", &ada()), "+ and ( and 1");
    }
}
