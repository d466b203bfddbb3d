//! libphonenumber's metadata, one country calling code at a time.
//!
//! `data/phone-metadata.bin` is the `phonenumber` crate's metadata split by
//! calling code (written by `cargo run -p phone-metadata`, which also says
//! whether it is up to date; the layout is that crate's). A number is
//! parsed, checked and formatted with the regions of its own code alone,
//! loaded on the first number of that code and kept for the life of the
//! process: a cold start that reads a German number checks the patterns of
//! Germany, not of every region on earth (the crate's default database,
//! which is never touched here).

use std::sync::OnceLock;

use phonenumber::metadata::{Database, loader};

/// A count of codes, an index entry per code (its code, then where its
/// regions start and end in the data after the index), then the data.
static METADATA: &[u8] = include_bytes!("../data/phone-metadata.bin");
const ENTRY: usize = 10;

/// More than there are calling codes (a test holds the count below it).
const MAX_CODES: usize = 300;

static LOADED: [OnceLock<Database>; MAX_CODES] = [const { OnceLock::new() }; MAX_CODES];

fn count() -> usize {
    usize::from(u16::from_le_bytes([METADATA[0], METADATA[1]]))
}

/// Entry `index`: a calling code, and where its regions are.
fn entry(index: usize) -> (u16, std::ops::Range<usize>) {
    let at = 2 + index * ENTRY;
    let field = |from: usize| {
        let bytes = &METADATA[at + from..at + from + 4];
        u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize
    };
    let code = u16::from_le_bytes([METADATA[at], METADATA[at + 1]]);
    let data = 2 + count() * ENTRY;
    (code, data + field(2)..data + field(6))
}

/// The metadata of the calling code that `digits` (an international number
/// without its `+`) begins with, or `None` when no calling code does.
/// Calling codes are one to three digits, none begins with 0 and none
/// begins another, so the shortest match is the only one (libphonenumber
/// reads them the same way).
pub(super) fn for_number(digits: &str) -> Option<&'static Database> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3)
        .filter_map(|width| digits.get(..width)?.parse::<u16>().ok())
        .find_map(index_of)
        .map(|index| LOADED[index].get_or_init(|| load(index)))
}

/// Whether `code` is a country calling code (nothing is loaded).
pub(super) fn is_calling_code(code: u16) -> bool {
    index_of(code).is_some()
}

/// The calling code that `digits` (an international number without its
/// `+`) begins with (nothing is loaded).
pub(super) fn calling_code_of(digits: &str) -> Option<u16> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3)
        .filter_map(|width| digits.get(..width)?.parse::<u16>().ok())
        .find(|code| is_calling_code(*code))
}

/// The index entry of `code`, by binary search (the entries are in order).
fn index_of(code: u16) -> Option<usize> {
    let (mut low, mut high) = (0, count());
    while low < high {
        let middle = (low + high) / 2;
        match entry(middle).0.cmp(&code) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return Some(middle),
        }
    }
    None
}

/// The data was written from the crate's own loader and every code is
/// loaded by a test, so neither step can fail at run time.
fn load(index: usize) -> Database {
    let (code, range) = entry(index);
    let regions: Vec<loader::Metadata> = postcard::from_bytes(&METADATA[range])
        .unwrap_or_else(|e| panic!("phone metadata of +{code} does not decode: {e}"));
    Database::from(regions)
        .unwrap_or_else(|e| panic!("phone metadata of +{code} does not load: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_calling_code_loads_with_its_regions() {
        assert!((200..MAX_CODES).contains(&count()), "{} calling codes", count());
        for (index, loaded) in LOADED.iter().enumerate().take(count()) {
            let code = entry(index).0;
            assert_eq!(index_of(code), Some(index));
            let database = loaded.get_or_init(|| load(index));
            let regions = database.by_code(&code).expect("the code's own regions");
            assert!(!regions.is_empty());
            assert!(regions.iter().all(|region| region.country_code() == code));
        }
        let nanp = for_number("12015550123").and_then(|db| db.region(&1)).unwrap();
        assert_eq!(nanp.first(), Some(&"US"), "the main region of +1 first");
        assert!(nanp.contains(&"CA") && nanp.contains(&"JM"));
    }

    #[test]
    fn a_number_finds_the_code_it_begins_with() {
        let code = |digits| for_number(digits).map(|db| db.iter().next().unwrap().country_code());
        assert_eq!(code("4915112345678"), Some(49));
        assert_eq!(code("74951234567"), Some(7));
        assert_eq!(code("380441234567"), Some(380));
        assert_eq!(code("80012345678"), Some(800), "non-geographic");
        assert_eq!(code("0123"), None);
        assert_eq!(code("01234"), None, "not +1");
        assert_eq!(code("999"), None, "+999 is not assigned");
        assert_eq!(code(""), None);
    }

    /// The same answer as the crate's default database, which loads every
    /// region: for the example numbers of every kind in every region, each
    /// with a digit dropped and one added, and written with separators.
    #[test]
    fn numbers_parse_as_with_the_whole_database() {
        use phonenumber::metadata::DATABASE;
        use phonenumber::{Mode, format_with};

        let whole = |text: &str| {
            phonenumber::parse(None, text)
                .ok()
                .filter(phonenumber::is_valid)
                .map(|n| n.format().mode(Mode::E164).to_string())
        };
        let split = |text: &str| {
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            let database = for_number(&digits)?;
            phonenumber::parse_with(database, None, text)
                .ok()
                .filter(|n| phonenumber::is_valid_with(database, n))
                .map(|n| format_with(database, &n).mode(Mode::E164).to_string())
        };
        let mut checked = 0;
        let mut valid = 0;
        for region in DATABASE.iter() {
            let code = region.country_code();
            let descriptors = region.descriptors();
            let examples = [
                descriptors.fixed_line(),
                descriptors.mobile(),
                descriptors.toll_free(),
                descriptors.premium_rate(),
                descriptors.voip(),
                descriptors.uan(),
            ];
            for example in examples.into_iter().flatten().filter_map(|d| d.example()) {
                let short = &example[..example.len() - 1];
                for text in [
                    format!("+{code}{example}"),
                    format!("+{code} {short}"),
                    format!("+{code}-{example}7"),
                    format!("+{code} ({example})"),
                ] {
                    let answer = whole(&text);
                    assert_eq!(split(&text), answer, "{text} ({})", region.id());
                    checked += 1;
                    valid += usize::from(answer.is_some());
                }
            }
        }
        assert!(checked > 2_000 && valid > 1_000, "{checked} numbers, {valid} valid");
    }
}
