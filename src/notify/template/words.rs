//! The language conventions templates cannot express themselves: how an
//! instant is written, and which plural form a number takes.

use chrono::{DateTime, Datelike, Timelike, Utc};

/// `t` in `tz`, the way readers of `language` write a date and time:
///
/// | language | example |
/// |---|---|
/// | en | `Tue 2026-03-10 11:00 EDT` |
/// | fr | `mardi 10 mars 2026 à 11:00 (EDT)` |
/// | el | `Τρίτη 10 Μαρτίου 2026, 11:00 (EDT)` |
/// | ru | `вторник, 10 марта 2026 г., 11:00 (EDT)` |
/// | hu | `2026. március 10., kedd 11:00 (EDT)` |
///
/// Other languages get the unambiguous `2026-03-10 11:00 EDT`.
pub(crate) fn instant(t: DateTime<Utc>, tz: chrono_tz::Tz, language: &str) -> String {
    let l = t.with_timezone(&tz);
    let zone = l.format("%Z");
    let (day, month, year) = (l.day(), l.month0() as usize, l.year());
    let weekday = l.weekday().num_days_from_monday() as usize;
    let hm = format!("{:02}:{:02}", l.hour(), l.minute());
    match language {
        "en" => l.format("%a %Y-%m-%d %H:%M %Z").to_string(),
        "fr" => format!(
            "{} {day} {} {year} à {hm} ({zone})",
            FR_DAYS[weekday], FR_MONTHS[month]
        ),
        "el" => format!(
            "{} {day} {} {year}, {hm} ({zone})",
            EL_DAYS[weekday], EL_MONTHS_GENITIVE[month]
        ),
        "ru" => format!(
            "{}, {day} {} {year} г., {hm} ({zone})",
            RU_DAYS[weekday], RU_MONTHS_GENITIVE[month]
        ),
        "hu" => format!(
            "{year}. {} {day}., {} {hm} ({zone})",
            HU_MONTHS[month], HU_DAYS[weekday]
        ),
        _ => l.format("%Y-%m-%d %H:%M %Z").to_string(),
    }
}

/// Which of `forms` goes with `n` in `language`: `[one, other]`, or for
/// Russian `[one, few, many]` (1 час, 2 часа, 5 часов; 21 час, 11 часов),
/// following the CLDR plural rules for whole numbers. With fewer forms than
/// the language has, the last one stands in for the missing ones.
pub(crate) fn plural<'a>(n: i64, language: &str, forms: &'a [String]) -> &'a str {
    let n = n.unsigned_abs();
    let index = match language {
        // French counts 0 as singular ("0 heure").
        "fr" => usize::from(n > 1),
        "ru" | "uk" | "be" => match (n % 10, n % 100) {
            (1, r) if r != 11 => 0,
            (2..=4, r) if !(12..=14).contains(&r) => 1,
            _ => 2,
        },
        _ => usize::from(n != 1),
    };
    forms.get(index).or(forms.last()).map_or("", String::as_str)
}

const FR_DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const EL_DAYS: [&str; 7] = [
    "Δευτέρα",
    "Τρίτη",
    "Τετάρτη",
    "Πέμπτη",
    "Παρασκευή",
    "Σάββατο",
    "Κυριακή",
];
/// Greek dates take the month in the genitive ("10 Μαρτίου").
const EL_MONTHS_GENITIVE: [&str; 12] = [
    "Ιανουαρίου",
    "Φεβρουαρίου",
    "Μαρτίου",
    "Απριλίου",
    "Μαΐου",
    "Ιουνίου",
    "Ιουλίου",
    "Αυγούστου",
    "Σεπτεμβρίου",
    "Οκτωβρίου",
    "Νοεμβρίου",
    "Δεκεμβρίου",
];
const RU_DAYS: [&str; 7] = [
    "понедельник",
    "вторник",
    "среда",
    "четверг",
    "пятница",
    "суббота",
    "воскресенье",
];
/// Russian dates take the month in the genitive ("10 марта").
const RU_MONTHS_GENITIVE: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const HU_DAYS: [&str; 7] = [
    "hétfő",
    "kedd",
    "szerda",
    "csütörtök",
    "péntek",
    "szombat",
    "vasárnap",
];
const HU_MONTHS: [&str; 12] = [
    "január",
    "február",
    "március",
    "április",
    "május",
    "június",
    "július",
    "augusztus",
    "szeptember",
    "október",
    "november",
    "december",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn each_language_writes_dates_its_own_way() {
        let t = at("2026-03-10T15:00:00Z");
        let ny = chrono_tz::America::New_York;
        assert_eq!(instant(t, ny, "en"), "Tue 2026-03-10 11:00 EDT");
        assert_eq!(instant(t, ny, "fr"), "mardi 10 mars 2026 à 11:00 (EDT)");
        assert_eq!(
            instant(t, chrono_tz::Europe::Athens, "el"),
            "Τρίτη 10 Μαρτίου 2026, 17:00 (EET)"
        );
        assert_eq!(
            instant(t, chrono_tz::Europe::Moscow, "ru"),
            "вторник, 10 марта 2026 г., 18:00 (MSK)"
        );
        assert_eq!(
            instant(t, chrono_tz::Europe::Budapest, "hu"),
            "2026. március 10., kedd 16:00 (CET)"
        );
        assert_eq!(instant(t, ny, "de"), "2026-03-10 11:00 EDT");
    }

    #[test]
    fn plural_forms_follow_the_language() {
        let ru: Vec<String> = ["час", "часа", "часов"].map(String::from).into();
        let words: Vec<&str> = [1, 2, 4, 5, 11, 12, 21, 22, 25, 111]
            .into_iter()
            .map(|n| plural(n, "ru", &ru))
            .collect();
        assert_eq!(
            words,
            [
                "час",
                "часа",
                "часа",
                "часов",
                "часов",
                "часов",
                "час",
                "часа",
                "часов",
                "часов"
            ]
        );
        let fr: Vec<String> = ["heure", "heures"].map(String::from).into();
        assert_eq!(plural(0, "fr", &fr), "heure");
        assert_eq!(plural(2, "fr", &fr), "heures");
        let en: Vec<String> = ["hour", "hours"].map(String::from).into();
        assert_eq!(plural(0, "en", &en), "hours");
        assert_eq!(plural(1, "en", &en), "hour");
        assert_eq!(plural(5, "ru", &en), "hours", "missing forms take the last");
        assert_eq!(plural(5, "en", &[]), "");
    }
}
