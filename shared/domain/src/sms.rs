//! What a text costs and where it may go: its segments (GSM 03.38's 7-bit
//! alphabet when every character is in it, else UCS-2) at its country's
//! price, and the countries, by calling code, that texts may be sent to.

use crate::PhoneNumber;

/// How a text is encoded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum SmsEncoding {
    /// GSM 03.38's default alphabet: 160 septets in one segment, 153 in
    /// each of several.
    Gsm7,
    /// UTF-16 code units: 70 in one segment, 67 in each of several.
    Ucs2,
}

/// A text's encoding and how many segments (billed messages) it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsSegments {
    pub encoding: SmsEncoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: u32,
    pub segments: u32,
}

/// GSM 03.38's default alphabet (one septet each), but for the escape.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                          ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table: two septets each (the escape, then the character).
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{c}";

impl SmsSegments {
    /// How `text` goes out.
    pub fn of(text: &str) -> Self {
        let septets: Option<u32> = text
            .chars()
            .map(|c| match c {
                c if GSM7_BASIC.contains(c) => Some(1),
                c if GSM7_EXTENDED.contains(c) => Some(2),
                _ => None,
            })
            .sum();
        let (encoding, units, single, each) = match septets {
            Some(septets) => (SmsEncoding::Gsm7, septets, 160, 153),
            None => (SmsEncoding::Ucs2, text.encode_utf16().count() as u32, 70, 67),
        };
        let segments = match units {
            0 => 1,
            units if units <= single => 1,
            units => units.div_ceil(each),
        };
        Self { encoding, units, segments }
    }
}

/// What makes an allow-list of countries unreadable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a calling code (`+` and 1 to 3 digits, such as +49)")]
pub struct InvalidCallingCode(pub String);

/// The countries texts may go to, by calling code (`+49`, `+1`): a number
/// of another gets no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsCountries(Vec<u16>);

impl SmsCountries {
    /// Reads `+49,+43, +41`; none at all is no list (every country).
    pub fn parse(text: &str) -> Result<Option<Self>, InvalidCallingCode> {
        let mut codes = Vec::new();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let code = item
                .strip_prefix('+')
                .filter(|d| (1..=3).contains(&d.len()) && !d.starts_with('0'))
                .and_then(|d| d.parse::<u16>().ok())
                .filter(|code| crate::phone_metadata::is_calling_code(*code))
                .ok_or_else(|| InvalidCallingCode(item.to_owned()))?;
            codes.push(code);
        }
        codes.sort_unstable();
        codes.dedup();
        Ok((!codes.is_empty()).then_some(Self(codes)))
    }

    /// Whether a text may go to `number`.
    pub fn allows(&self, number: &PhoneNumber) -> bool {
        number.calling_code().is_some_and(|code| self.0.contains(&code))
    }
}

/// What texts may do: the countries they may go to (none: every one),
/// what each costs, and what all of them may cost in a day and a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsPolicy {
    pub countries: Option<SmsCountries>,
    pub prices: SmsPrices,
    pub budget: crate::SmsBudget,
    /// When a country's codes look pumped.
    pub pumping: crate::PumpingPolicy,
}

impl Default for SmsPolicy {
    /// Every country, at the shipped prices, with no budget.
    fn default() -> Self {
        Self {
            countries: None,
            prices: SmsPrices::shipped(),
            budget: Default::default(),
            pumping: Default::default(),
        }
    }
}

/// Millionths of a US dollar.
pub type MicroUsd = u64;

/// What a segment to each country costs (`data/sms-prices.txt`, with the
/// deployment's own prices over it): the estimate a budget counts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsPrices {
    by_code: std::collections::BTreeMap<u16, MicroUsd>,
    /// Any code not listed.
    otherwise: MicroUsd,
}

/// What makes a price list unreadable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a price (`+49=0.10`, or `*=0.30` for every other code, in USD per segment)")]
pub struct InvalidPrice(pub String);

static SHIPPED_PRICES: &str = include_str!("../data/sms-prices.txt");

impl SmsPrices {
    /// The shipped table.
    pub fn shipped() -> Self {
        let mut prices = Self { by_code: Default::default(), otherwise: 0 };
        for line in SHIPPED_PRICES.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (code, price) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            // The shipped table is read by a test: a line that does not
            // read cannot ship.
            prices.set(code, price.trim()).unwrap_or_else(|e| panic!("sms-prices.txt: {e}"));
        }
        prices
    }

    /// The shipped table with `overrides` (`+49=0.08, *=0.25`) over it.
    pub fn with_overrides(mut self, overrides: &str) -> Result<Self, InvalidPrice> {
        for item in overrides.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (code, price) = item.split_once('=').ok_or_else(|| InvalidPrice(item.into()))?;
            self.set(code.trim(), price.trim()).map_err(|_| InvalidPrice(item.into()))?;
        }
        Ok(self)
    }

    fn set(&mut self, code: &str, price: &str) -> Result<(), InvalidPrice> {
        let invalid = || InvalidPrice(format!("{code} {price}"));
        let micro = micro_usd(price, 100).ok_or_else(invalid)?;
        match code {
            "*" => self.otherwise = micro,
            code => {
                let list = SmsCountries::parse(code).map_err(|_| invalid())?.ok_or_else(invalid)?;
                self.by_code.insert(list.0[0], micro);
            }
        }
        Ok(())
    }

    /// What `segments` segments to `number` cost.
    pub fn cost(&self, number: &PhoneNumber, segments: u32) -> MicroUsd {
        let each = number.calling_code().and_then(|c| self.by_code.get(&c).copied());
        each.unwrap_or(self.otherwise) * MicroUsd::from(segments)
    }
}

/// `0.0125` in millionths; at most six decimals, at most `most` whole
/// dollars.
pub(crate) fn micro_usd(text: &str, most: MicroUsd) -> Option<MicroUsd> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || fraction.len() > 6 || !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole: MicroUsd = whole.parse().ok().filter(|w| *w <= most)?;
    let fraction: MicroUsd = format!("{fraction:0<6}").parse().ok()?;
    Some(whole * 1_000_000 + fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gsm(units: u32, segments: u32) -> SmsSegments {
        SmsSegments { encoding: SmsEncoding::Gsm7, units, segments }
    }

    fn ucs(units: u32, segments: u32) -> SmsSegments {
        SmsSegments { encoding: SmsEncoding::Ucs2, units, segments }
    }

    #[test]
    fn a_text_is_gsm7_while_every_character_is_and_ucs2_otherwise() {
        assert_eq!(SmsSegments::of("Straße, Ärger: 42 €"), gsm(20, 1));
        assert_eq!(SmsSegments::of(&"a".repeat(160)), gsm(160, 1));
        assert_eq!(SmsSegments::of(&"a".repeat(161)), gsm(161, 2));
        assert_eq!(SmsSegments::of(&"a".repeat(306)), gsm(306, 2));
        assert_eq!(SmsSegments::of(&"a".repeat(307)), gsm(307, 3));
        // One character outside the alphabet makes all of it UCS-2.
        assert_eq!(SmsSegments::of("Ваш код 123456"), ucs(14, 1));
        assert_eq!(SmsSegments::of(&format!("„{}“", "a".repeat(68))), ucs(70, 1));
        assert_eq!(SmsSegments::of(&"ж".repeat(71)), ucs(71, 2));
        assert_eq!(SmsSegments::of(&"ж".repeat(135)), ucs(135, 3));
        // An emoji is two UTF-16 units.
        assert_eq!(SmsSegments::of("🙂"), ucs(2, 1));
        assert_eq!(SmsSegments::of(""), gsm(0, 1));
    }

    #[test]
    fn an_allow_list_names_calling_codes() {
        let list = SmsCountries::parse(" +49, +43,+49 ,+1").unwrap().unwrap();
        let allowed = |n: &str| list.allows(&PhoneNumber::parse(n).unwrap());
        assert!(allowed("+4915112345678") && allowed("+43 664 1234567") && allowed("+12025550143"));
        assert!(!allowed("+447911123456") && !allowed("+79161234567"));
        assert_eq!(SmsCountries::parse(" , ").unwrap(), None);
        for bad in ["49", "+0", "+1234", "+999", "DE", "+4 9"] {
            assert!(SmsCountries::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_text_costs_its_segments_at_its_countrys_price() {
        let prices = SmsPrices::shipped();
        let german = PhoneNumber::parse("+4915112345678").unwrap();
        let american = PhoneNumber::parse("+12025550143").unwrap();
        let chadian = PhoneNumber::parse("+23566123456").unwrap();
        assert_eq!(prices.cost(&german, 1), 100_000);
        assert_eq!(prices.cost(&american, 2), 18_000);
        assert_eq!(prices.cost(&chadian, 1), 300_000, "an unlisted code: the `*` price");
        let own = prices.with_overrides(" +49=0.075, *=1.5 ,+235=0.2").unwrap();
        assert_eq!(own.cost(&german, 2), 150_000);
        assert_eq!(own.cost(&chadian, 1), 200_000);
        assert_eq!(own.cost(&PhoneNumber::parse("+4366412345678").unwrap(), 1), 120_000);
        for bad in ["+49", "+49=", "+49=abc", "DE=0.1", "+49=0.1234567", "+49=-1", "*=101"] {
            assert!(SmsPrices::shipped().with_overrides(bad).is_err(), "{bad}");
        }
    }
}
