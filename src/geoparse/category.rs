//! The category of a report, from cue words in English, Arabic, Russian, Ukrainian and Turkish
//! (and Azerbaijani, which shares many of the Turkish stems).
//!
//! Cues are folded as the text is and match at the start of a word ("обстрел" matches
//! "обстрелу"; "бой" does not match "боевики"), Arabic cues also behind the clitics و ف ب ل
//! and the article ("والاشتباكات", "بالقصف"). Words of aircraft and drones count for an air or
//! drone strike: "warplanes struck", «Российская авиация нанесла удар», «قصفت طائرات حربية».

use std::sync::OnceLock;

/// Categories with their cue words, in the order that breaks ties.
const CUES: [(&str, &[&str]); 9] = [
    (
        "air_or_drone_strike",
        &[
            "airstrike",
            "air strike",
            "air raid",
            "drone strike",
            "drone attack",
            "warplane",
            "war plane",
            "jets",
            "aircraft",
            "bombed",
            "bombing raid",
            "missile strike",
            "авиаудар",
            "авиаци",
            "авианалет",
            "налет",
            "бомбардиров",
            "беспилотник",
            "дрон",
            "бпла",
            "ракетный удар",
            "авіаудар",
            "авіаці",
            "безпілотник",
            "ракетний удар",
            "бомбардуван",
            "hava saldırı",
            "hava harekat",
            "hava hücum",
            "savaş uça",
            "bombaladı",
            "iha",
            "siha",
            "insansız hava",
            "dron",
            "غارة",
            "غارات",
            "طائرات حربية",
            "طائرة حربية",
            "طيران",
            "طائرة مسيرة",
            "طائرات مسيرة",
            "مسيرة",
            "قصف جوي",
        ],
    ),
    (
        "shelling",
        &[
            "shelling",
            "shelled",
            "artillery",
            "mortar",
            "rocket fire",
            "обстрел",
            "артиллер",
            "миномет",
            "обстріл",
            "артилері",
            "мінометн",
            "обстріля",
            "top atış",
            "topçu",
            "havan",
            "obüs",
            "bombardıman",
            "atəş",
            "قصف",
            "قذائف",
            "قذيفة",
            "مدفعي",
        ],
    ),
    (
        "armed_clash",
        &[
            "clash",
            "fighting",
            "firefight",
            "gunfight",
            "battle",
            "бой",
            "бои",
            "боя",
            "столкновен",
            "перестрелк",
            "зіткнен",
            "бої",
            "бою",
            "перестрілк",
            "çatışma",
            "çatıştı",
            "toqquşma",
            "اشتباك",
            "معارك",
            "مواجهات",
        ],
    ),
    (
        "explosion",
        &[
            "explosion",
            "exploded",
            "blast",
            "car bomb",
            "explosive device",
            "взрыв",
            "взорвал",
            "заминированн",
            "вибух",
            "підрив",
            "підірвал",
            "замінован",
            "patlama",
            "patladı",
            "partlayış",
            "انفجار",
            "انفجرت",
            "مفخخة",
            "عبوة ناسفة",
        ],
    ),
    (
        "violence_against_civilians",
        &[
            "massacre",
            "executed",
            "abducted",
            "kidnapped",
            "расстрел",
            "похищ",
            "розстріл",
            "викраден",
            "katliam",
            "kaçırıl",
            "infaz",
            "مجزرة",
            "إعدام",
            "اختطاف",
            "خطف",
        ],
    ),
    (
        "protest",
        &[
            "protest",
            "demonstrat",
            "rally",
            "протест",
            "митинг",
            "мітинг",
            "протестувальник",
            "protesto",
            "gösteri",
            "etiraz",
            "احتجاج",
            "احتجاجات",
            "مظاهرة",
            "مظاهرات",
            "متظاهر",
            "تظاهر",
            "يتظاهر",
            "وقفة احتجاجية",
        ],
    ),
    (
        "arrest",
        &[
            "arrest",
            "detained",
            "detain",
            "apprehended",
            "арест",
            "задержа",
            "затрима",
            "заарешт",
            "gözaltı",
            "tutuklan",
            "yakalandı",
            "həbs",
            "اعتقال",
            "اعتقلت",
            "اعتقل",
            "القبض",
            "معتقل",
        ],
    ),
    (
        "military_movement",
        &[
            "convoy",
            "troops",
            "column",
            "deploy",
            "withdraw",
            "reinforcement",
            "колонн",
            "конво",
            "войск",
            "колона",
            "техніки",
            "війська",
            "konvoy",
            "kolon",
            "sevkiyat",
            "karvan",
            "qoşun",
            "قافلة",
            "رتل",
            "أرتال",
            "تعزيزات",
        ],
    ),
    (
        "strategic_development",
        &[
            "agreement",
            "ceasefire",
            "truce",
            "airspace",
            "соглашени",
            "перемири",
            "угод",
            "перемир",
            "ateşkes",
            "anlaşma",
            "razılaşma",
            "اتفاق",
            "هدنة",
            "وقف إطلاق النار",
        ],
    ),
];

/// Arabic clitics and the article a cue may be written behind.
const AR_LEADS: [&str; 10] = ["", "ال", "و", "ف", "ب", "ل", "وال", "بال", "فال", "لل"];

fn folded_cues() -> &'static Vec<(&'static str, Vec<String>)> {
    static C: OnceLock<Vec<(&'static str, Vec<String>)>> = OnceLock::new();
    C.get_or_init(|| {
        CUES.iter()
            .map(|(cat, words)| {
                let mut forms = Vec::new();
                for w in *words {
                    let f = crate::fold::fold(w);
                    let arabic = f.chars().any(|c| matches!(c, '\u{0600}'..='\u{06FF}'));
                    if arabic {
                        forms.extend(AR_LEADS.iter().map(|l| format!(" {}{f}", crate::fold::fold(l))));
                    } else {
                        forms.push(format!(" {f}"));
                    }
                }
                (*cat, forms)
            })
            .collect()
    })
}

/// The category whose cue words the text uses most, with the cues that decided it; `other`
/// when none is used.
pub fn category_with_cues(text: &str) -> (&'static str, Vec<String>) {
    let f = format!(" {}", crate::fold::fold(text));
    let mut best: (&'static str, usize, Vec<String>) = ("other", 0, Vec::new());
    for (cat, forms) in folded_cues() {
        let mut n = 0;
        let mut seen = Vec::new();
        for form in forms {
            let k = f.matches(form.as_str()).count();
            if k > 0 {
                n += k;
                seen.push(form.trim().to_string());
            }
        }
        if n > best.1 {
            best = (cat, n, seen);
        }
    }
    (best.0, best.2)
}

/// The category whose cue words the text uses most; `other` when none.
pub fn category(text: &str) -> &'static str {
    category_with_cues(text).0
}

#[cfg(test)]
mod tests {
    use super::category;

    #[test]
    fn strikes_are_strikes_in_every_language() {
        assert_eq!(category("Warplanes struck the outskirts of Idlib on Monday."), "air_or_drone_strike");
        assert_eq!(category("Российская авиация нанесла удар по окрестностям Идлиба."), "air_or_drone_strike");
        assert_eq!(category("Російські дрони атакували Суми, безпілотник влучив у будинок."), "air_or_drone_strike");
        assert_eq!(category("Savaş uçakları İdlib çevresini bombaladı."), "air_or_drone_strike");
        assert_eq!(category("قصفت طائرات حربية يوم الاثنين محيط مدينة إدلب"), "air_or_drone_strike");
        assert_eq!(category("شنت طائرات روسية غارات جوية على ريف إدلب"), "air_or_drone_strike");
    }

    #[test]
    fn shelling_clashes_explosions_arrests_protests_per_language() {
        assert_eq!(category("Artillery shelling hit Kherson overnight."), "shelling");
        assert_eq!(category("Армия вела обстрел из миномета."), "shelling");
        assert_eq!(category("Сили РФ обстріляли місто з артилерії."), "shelling");
        assert_eq!(category("قذائف مدفعية سقطت على البلدة"), "shelling");
        assert_eq!(category("Heavy clashes broke out near Al-Bab."), "armed_clash");
        assert_eq!(category("Бои продолжаются к югу от города, боевики отступили."), "armed_clash");
        assert_eq!(category("Halep'in doğusunda çatışma çıktı."), "armed_clash");
        assert_eq!(category("اندلعت اشتباكات عنيفة في ريف حماة"), "armed_clash");
        assert_eq!(category("Сильный взрыв прогремел на рынке."), "explosion");
        assert_eq!(category("Вибух пролунав біля вокзалу."), "explosion");
        assert_eq!(category("Şam yakınlarında patlama meydana geldi."), "explosion");
        assert_eq!(category("انفجرت سيارة مفخخة قرب دوار"), "explosion");
        assert_eq!(category("Police arrested six men."), "arrest");
        assert_eq!(category("В городе задержали двух мужчин."), "arrest");
        assert_eq!(category("Поліція затримала двох чоловіків."), "arrest");
        assert_eq!(category("Beş şüpheli gözaltına alındı."), "arrest");
        assert_eq!(category("اعتقلت دورية أمنية ثلاثة شبان"), "arrest");
        assert_eq!(category("Жители вышли на акцию протеста."), "protest");
        assert_eq!(category("Протестувальники зібралися в центрі."), "protest");
        assert_eq!(category("Protestoya yüzlerce kişi katıldı."), "protest");
        assert_eq!(category("شهدت المدينة احتجاجات واسعة"), "protest");
        assert_eq!(category("Nothing of note."), "other");
    }
}
