//! Times in the text of a report: explicit dates ("10 February 2025", "February 10", "10 февраля",
//! "10 Şubat 2025", "10 fevral", "10 شباط 2025", "2025-02-10") and words relative to the
//! publication date ("yesterday", "on Monday", "вчера", "dün", "dünən", "أمس").
//!
//! Offsets are code points of the text, end exclusive, as for place mentions.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::domain::TimePrecision;

/// A time found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeMention {
    pub start: usize,
    pub end: usize,
    /// The first day it covers.
    pub day: NaiveDate,
    /// `Day` for a date or a relative day, `Month` for "February 2025", `Year` for a year alone.
    pub precision: TimePrecision,
    /// Whether it was worked out from the publication date.
    pub relative: bool,
}

/// A word of the text: lower-cased, digits made ASCII, with its code-point span.
#[derive(Debug)]
struct Word {
    text: String,
    start: usize,
    end: usize,
}

fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
        '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
        _ => None,
    }
}

/// Splits the text into words; `-`, `.` and `/` between digits stay inside a word (2025-02-10).
fn words(text: &str) -> Vec<Word> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        let mut w = String::new();
        while i < chars.len() {
            let c = chars[i];
            if let Some(d) = ascii_digit(c) {
                w.push(d);
            } else if c.is_alphabetic() || c == '\u{0640}' {
                // Arabic letters and the tatweel; marks are dropped below.
                w.extend(c.to_lowercase());
            } else if matches!(c, '-' | '.' | '/')
                && w.chars().last().is_some_and(|p| p.is_ascii_digit())
                && chars.get(i + 1).and_then(|n| ascii_digit(*n)).is_some()
            {
                w.push(c);
            } else if is_mark(c) {
                // Combining marks (Arabic vowel signs, the dot of a lower-cased İ) are not letters.
            } else {
                break;
            }
            i += 1;
        }
        out.push(Word { text: w.replace('\u{0307}', ""), start, end: i });
    }
    out
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{064B}'..='\u{065F}' | '\u{0670}')
}

/// Month names in English, Russian (nominative, genitive, prepositional), Turkish, Azerbaijani and
/// Arabic (both the Egyptian-style and the Levantine names); two-word Arabic names are handled apart.
fn month(word: &str) -> Option<u32> {
    const MONTHS: [&[&str]; 12] = [
        &["january", "jan", "январь", "января", "январе", "ocak", "yanvar", "يناير", "كانون الثاني"],
        &["february", "feb", "февраль", "февраля", "феврале", "şubat", "subat", "fevral", "فبراير", "شباط"],
        &["march", "mar", "март", "марта", "марте", "mart", "مارس", "آذار", "اذار"],
        &["april", "apr", "апрель", "апреля", "апреле", "nisan", "aprel", "أبريل", "ابريل", "نيسان"],
        &["may", "май", "мая", "мае", "mayıs", "mayis", "مايو", "أيار", "ايار"],
        &["june", "jun", "июнь", "июня", "июне", "haziran", "iyun", "يونيو", "حزيران"],
        &["july", "jul", "июль", "июля", "июле", "temmuz", "iyul", "يوليو", "تموز"],
        &["august", "aug", "август", "августа", "августе", "ağustos", "agustos", "avqust", "أغسطس", "اغسطس", "آب"],
        &[
            "september",
            "sep",
            "sept",
            "сентябрь",
            "сентября",
            "сентябре",
            "eylül",
            "eylul",
            "sentyabr",
            "سبتمبر",
            "أيلول",
            "ايلول",
        ],
        &["october", "oct", "октябрь", "октября", "октябре", "ekim", "oktyabr", "أكتوبر", "اكتوبر", "تشرين الأول"],
        &["november", "nov", "ноябрь", "ноября", "ноябре", "kasım", "kasim", "noyabr", "نوفمبر", "تشرين الثاني"],
        &["december", "dec", "декабрь", "декабря", "декабре", "aralık", "aralik", "dekabr", "ديسمبر", "كانون الأول"],
    ];
    let w = word.trim_end_matches('.');
    for (i, names) in MONTHS.iter().enumerate() {
        if names.contains(&w) {
            return Some(i as u32 + 1);
        }
    }
    // Turkish and Azerbaijani suffixes: "Şubat'ta" is split at the apostrophe, "fevralda" is not.
    for (i, names) in MONTHS.iter().enumerate() {
        for n in names.iter().filter(|n| n.chars().count() >= 4) {
            if let Some(rest) = w.strip_prefix(n) {
                if (1..=3).contains(&rest.chars().count())
                    && ["da", "də", "de", "ta", "te", "ın", "in", "un", "ün", "nda", "ndə"].contains(&rest)
                {
                    return Some(i as u32 + 1);
                }
            }
        }
    }
    None
}

/// Arabic month names of two words ("كانون الثاني").
fn month2(a: &str, b: &str) -> Option<u32> {
    let b = b.replace(['أ', 'إ'], "ا");
    match (strip_ar_prefix(a), b.as_str()) {
        ("كانون", "الثاني") => Some(1),
        ("كانون", "الاول") => Some(12),
        ("تشرين", "الاول") => Some(10),
        ("تشرين", "الثاني") => Some(11),
        _ => None,
    }
}

/// "في", "و", "ب" written onto an Arabic word.
fn strip_ar_prefix(w: &str) -> &str {
    for p in ["وفي", "في", "و", "ب", "ف"] {
        if let Some(rest) = w.strip_prefix(p) {
            if rest.chars().count() >= 3
                && (month(rest).is_some() || rest.starts_with("كانون") || rest.starts_with("تشرين"))
            {
                return rest;
            }
        }
    }
    w
}

fn weekday(word: &str) -> Option<Weekday> {
    use Weekday::*;
    let w = strip_ar_prefix(word);
    let table: [(&[&str], Weekday); 7] = [
        (&["monday", "понедельник", "pazartesi", "الاثنين", "الإثنين"], Mon),
        (&["tuesday", "вторник", "salı", "sali", "الثلاثاء"], Tue),
        (&["wednesday", "среду", "среда", "çarşamba", "carsamba", "الأربعاء", "الاربعاء"], Wed),
        (&["thursday", "четверг", "perşembe", "persembe", "الخميس"], Thu),
        (&["friday", "пятницу", "пятница", "cuma", "cümə", "الجمعة"], Fri),
        (&["saturday", "субботу", "суббота", "cumartesi", "şənbə", "السبت"], Sat),
        (&["sunday", "воскресенье", "pazar", "bazar", "الأحد", "الاحد"], Sun),
    ];
    table.iter().find(|(names, _)| names.contains(&w)).map(|(_, d)| *d)
}

/// Days before publication that a word means: "yesterday" is 1.
fn relative_day(word: &str, next: Option<&str>) -> Option<(i64, usize)> {
    match word {
        "yesterday" | "вчера" | "dün" | "dünən" | "أمس" | "امس" | "البارحة" => Some((1, 1)),
        "позавчера" => Some((2, 1)),
        "today" | "сегодня" | "bugün" | "اليوم" => Some((0, 1)),
        "bu" if next == Some("gün") => Some((0, 2)),
        "last" if next == Some("night") => Some((1, 2)),
        "tonight" | "overnight" => Some((0, 1)),
        _ => None,
    }
}

fn day_number(w: &str) -> Option<u32> {
    let w = w.trim_end_matches(['.', '-']);
    let w = w.strip_suffix("th").or_else(|| w.strip_suffix("st")).or_else(|| w.strip_suffix("nd")).unwrap_or(w);
    let w = w.strip_suffix("rd").unwrap_or(w);
    if w.is_empty() || w.len() > 2 || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    w.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year_number(w: &str) -> Option<i32> {
    if w.len() != 4 || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    w.parse().ok().filter(|y| (1900..=2100).contains(y))
}

/// A numeric date: 2025-02-10, 10.02.2025, 10/02/2025 (day first unless that cannot be).
fn numeric_date(w: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = w.split(['-', '.', '/']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    if parts[0].len() == 4 {
        return NaiveDate::from_ymd_opt(n[0] as i32, n[1], n[2]);
    }
    if parts[2].len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(n[2] as i32, n[1], n[0]).or_else(|| NaiveDate::from_ymd_opt(n[2] as i32, n[0], n[1]))
}

/// A date without a year takes the publication's, or the year before when that would put it
/// more than a day after publication.
fn infer_year(m: u32, d: u32, published: Option<NaiveDate>) -> Option<NaiveDate> {
    let p = published?;
    let date = NaiveDate::from_ymd_opt(p.year(), m, d)?;
    if date > p + Duration::days(1) { NaiveDate::from_ymd_opt(p.year() - 1, m, d) } else { Some(date) }
}

/// Every time the text mentions, in text order. Relative words need `published`.
pub fn find_times(text: &str, published: Option<NaiveDate>) -> Vec<TimeMention> {
    let ws = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    let at = |k: usize| ws.get(k).map(|w| w.text.as_str());
    while i < ws.len() {
        let w = ws[i].text.as_str();
        let mut push = |from: usize, to: usize, day: NaiveDate, precision, relative| {
            out.push(TimeMention { start: ws[from].start, end: ws[to].end, day, precision, relative });
        };
        if let Some(date) = numeric_date(w) {
            push(i, i, date, TimePrecision::Day, false);
            i += 1;
            continue;
        }
        // Month of one word or two (Arabic), at k; returns (month, words used).
        let month_at = |k: usize| -> Option<(u32, usize)> {
            let a = at(k)?;
            if let Some(b) = at(k + 1) {
                if let Some(m) = month2(a, b) {
                    return Some((m, 2));
                }
            }
            month(strip_ar_prefix(a)).map(|m| (m, 1))
        };
        // Day Month [Year]
        if let Some(d) = day_number(w) {
            if let Some((m, n)) = month_at(i + 1) {
                let last = i + n;
                if let Some(y) = at(last + 1).and_then(year_number) {
                    if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                        push(i, last + 1, date, TimePrecision::Day, false);
                        i = last + 2;
                        continue;
                    }
                } else if let Some(date) = infer_year(m, d, published) {
                    push(i, last, date, TimePrecision::Day, false);
                    i = last + 1;
                    continue;
                }
            }
        }
        if let Some((m, n)) = month_at(i) {
            let next = i + n;
            // "May" alone is a verb; a month needs a number next to it.
            // Month Day[,] [Year]
            if let Some(d) = at(next).and_then(day_number) {
                if let Some(y) = at(next + 1).and_then(year_number) {
                    if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                        push(i, next + 1, date, TimePrecision::Day, false);
                        i = next + 2;
                        continue;
                    }
                } else if let Some(date) = infer_year(m, d, published) {
                    push(i, next, date, TimePrecision::Day, false);
                    i = next + 1;
                    continue;
                }
            }
            // Month Year
            if let Some(y) = at(next).and_then(year_number) {
                if let Some(date) = NaiveDate::from_ymd_opt(y, m, 1) {
                    push(i, next, date, TimePrecision::Month, false);
                    i = next + 1;
                    continue;
                }
            }
        }
        if let Some(p) = published {
            if let Some((back, n)) = relative_day(w, at(i + 1)) {
                push(i, i + n - 1, p - Duration::days(back), TimePrecision::Day, true);
                i += n;
                continue;
            }
            if let Some(wd) = weekday(w) {
                // The last such day on or before publication ("on Monday").
                let back = (p.weekday().num_days_from_monday() + 7 - wd.num_days_from_monday()) % 7;
                push(i, i, p - Duration::days(back as i64), TimePrecision::Day, true);
                i += 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(text: &str) -> Vec<(String, NaiveDate, TimePrecision)> {
        let published = NaiveDate::from_ymd_opt(2025, 2, 12);
        find_times(text, published)
            .into_iter()
            .map(|t| (text.chars().skip(t.start).take(t.end - t.start).collect(), t.day, t.precision))
            .collect()
    }

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, day).unwrap()
    }

    #[test]
    fn explicit_dates_in_five_languages() {
        assert_eq!(
            days("On 10 February 2025 a convoy left.")[0],
            ("10 February 2025".into(), d(2, 10), TimePrecision::Day)
        );
        assert_eq!(days("on February 10, 2025, at dawn")[0].1, d(2, 10));
        assert_eq!(days("10 февраля колонна вышла")[0], ("10 февраля".into(), d(2, 10), TimePrecision::Day));
        assert_eq!(days("10 Şubat 2025 tarihinde")[0].1, d(2, 10));
        assert_eq!(days("10 fevral 2025-ci il")[0].1, d(2, 10));
        assert_eq!(days("في 10 شباط 2025")[0].1, d(2, 10));
        assert_eq!(days("يوم ١٠ فبراير")[0].1, d(2, 10));
        assert_eq!(days("dated 2025-02-10.")[0].1, d(2, 10));
        assert_eq!(days("dated 10.02.2025.")[0].1, d(2, 10));
    }

    #[test]
    fn a_date_without_a_year_is_never_far_after_publication() {
        // Published 12 February 2025: "20 December" was in 2024.
        assert_eq!(days("on 20 December")[0].1, NaiveDate::from_ymd_opt(2024, 12, 20).unwrap());
    }

    #[test]
    fn a_month_and_year_is_a_month() {
        assert_eq!(days("In February 2025, talks began.")[0], ("February 2025".into(), d(2, 1), TimePrecision::Month));
    }

    #[test]
    fn relative_words_count_back_from_publication() {
        // 12 February 2025 was a Wednesday.
        assert_eq!(days("The convoy was stopped yesterday.")[0].1, d(2, 11));
        assert_eq!(days("on Monday the convoy")[0].1, d(2, 10));
        assert_eq!(days("вчера колонну остановили")[0].1, d(2, 11));
        assert_eq!(days("Konvoy dün durduruldu")[0].1, d(2, 11));
        assert_eq!(days("Karvan dünən saxlanıldı")[0].1, d(2, 11));
        assert_eq!(days("أوقفت القافلة أمس")[0].1, d(2, 11));
        assert_eq!(days("يوم الاثنين")[0].1, d(2, 10));
        assert!(find_times("yesterday", None).is_empty(), "nothing to count from");
    }

    #[test]
    fn may_alone_and_numbers_alone_are_not_dates() {
        assert!(days("It may be that 30 vehicles left.").is_empty());
    }
}
