//! libphonenumber's metadata, one country calling code at a time.
//!
//! `data/phone-metadata.bin` holds, of each region, what reading an
//! international number takes (`phone`): the patterns of its numbers and
//! their possible lengths, its national prefix and how it is stripped, and,
//! where regions share a calling code, the leading digits that tell them
//! apart. It is written by `cargo run -p phone-metadata` from the metadata
//! the `phonenumber` crate carries (which also says whether the file is up
//! to date). A number is read with the regions of its own code alone,
//! loaded on the first number of that code and kept for the life of the
//! process; a pattern is compiled when first matched.

use std::sync::OnceLock;

use regex_lite::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

/// One region (a country, or `001` for a non-geographic code) as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PhoneRegion {
    /// `DE`, `US`, `001`.
    pub id: String,
    /// Whether libphonenumber's reader can use the region: a sole region of
    /// its code it does not know by its id reads and checks nothing.
    pub known: bool,
    /// Where regions share a code: the digits a number of this one starts
    /// with.
    pub leading_digits: Option<Pattern>,
    pub national_prefix: Option<String>,
    pub national_prefix_for_parsing: Option<Pattern>,
    pub national_prefix_transform_rule: Option<String>,
    /// Every number of the region.
    pub general: PhoneDescriptor,
    /// Each kind of number that makes one valid: premium rate, toll free,
    /// shared cost, VoIP, personal, pager, UAN, voicemail, fixed line,
    /// mobile (not emergency or short codes).
    pub kinds: Vec<PhoneDescriptor>,
}

/// A kind of number: a pattern and the lengths it may have.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PhoneDescriptor {
    pub pattern: Pattern,
    pub possible_lengths: Vec<u16>,
    pub possible_local_lengths: Vec<u16>,
}

/// A regular expression in libphonenumber's syntax (whitespace ignored),
/// compiled when first used.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pattern {
    source: String,
    #[serde(skip)]
    compiled: OnceLock<Regex>,
}

impl Pattern {
    pub fn new(source: impl Into<String>) -> Self {
        Self { source: source.into(), compiled: OnceLock::new() }
    }

    /// Every pattern is compiled by a test, so this cannot fail at run time.
    pub(crate) fn regex(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            RegexBuilder::new(&self.source)
                .ignore_whitespace(true)
                .build()
                .unwrap_or_else(|e| panic!("phone pattern {:?} does not compile: {e}", self.source))
        })
    }

    /// Whether the pattern matches at the start of `text` (the leftmost
    /// match starts there), libphonenumber's reader's test.
    pub(crate) fn matches_start(&self, text: &str) -> bool {
        self.regex().find(text).is_some_and(|found| found.start() == 0)
    }
}

impl PhoneDescriptor {
    /// Of a possible length, and the pattern matches from its start.
    pub(crate) fn is_match(&self, national: &str) -> bool {
        let length = u16::try_from(national.len()).unwrap_or(u16::MAX);
        (self.possible_lengths.is_empty() || self.possible_lengths.contains(&length))
            && self.pattern.matches_start(national)
    }
}

/// A count of codes, an index entry per code (its code, then where its
/// regions start and end in the data after the index), then the data: a
/// postcard `Vec<PhoneRegion>` per code, the code's main region first.
static METADATA: &[u8] = include_bytes!("../data/phone-metadata.bin");
const ENTRY: usize = 10;

/// More than there are calling codes (a test holds the count below it).
const MAX_CODES: usize = 300;

static LOADED: [OnceLock<Vec<PhoneRegion>>; MAX_CODES] = [const { OnceLock::new() }; MAX_CODES];

/// The index and data of `regions_by_code` (ascending codes), as
/// `data/phone-metadata.bin` holds them.
pub fn encode(regions_by_code: &[(u16, Vec<PhoneRegion>)]) -> Result<Vec<u8>, String> {
    let count = u16::try_from(regions_by_code.len()).map_err(|_| "too many calling codes")?;
    let mut index = count.to_le_bytes().to_vec();
    let mut data = Vec::new();
    for (code, regions) in regions_by_code {
        let part = postcard::to_allocvec(regions).map_err(|e| format!("+{code}: {e}"))?;
        let start = u32::try_from(data.len()).map_err(|_| "metadata over 4 GiB")?;
        data.extend_from_slice(&part);
        let end = u32::try_from(data.len()).map_err(|_| "metadata over 4 GiB")?;
        index.extend_from_slice(&code.to_le_bytes());
        index.extend_from_slice(&start.to_le_bytes());
        index.extend_from_slice(&end.to_le_bytes());
    }
    index.extend_from_slice(&data);
    Ok(index)
}

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

/// The calling code that `digits` (an international number without its
/// `+`) begins with, and its regions (the main one first), or `None` when
/// no calling code does. Calling codes are one to three digits, none
/// begins with 0 and none begins another, so the shortest match is the only
/// one (libphonenumber reads them the same way).
pub(crate) fn for_number(digits: &str) -> Option<(u16, &'static [PhoneRegion])> {
    let (code, index) = code_and_index(digits)?;
    Some((code, LOADED[index].get_or_init(|| load(index))))
}

/// Whether `code` is a country calling code (nothing is loaded).
pub(crate) fn is_calling_code(code: u16) -> bool {
    index_of(code).is_some()
}

/// The calling code that `digits` (an international number without its
/// `+`) begins with (nothing is loaded).
pub(crate) fn calling_code_of(digits: &str) -> Option<u16> {
    code_and_index(digits).map(|(code, _)| code)
}

/// The calling code `digits` begins with, and its index entry.
fn code_and_index(digits: &str) -> Option<(u16, usize)> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3)
        .filter_map(|width| digits.get(..width)?.parse::<u16>().ok())
        .find_map(|code| Some((code, index_of(code)?)))
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

/// Every code is loaded by a test, so this cannot fail at run time.
fn load(index: usize) -> Vec<PhoneRegion> {
    let (code, range) = entry(index);
    postcard::from_bytes(&METADATA[range])
        .unwrap_or_else(|e| panic!("phone metadata of +{code} does not decode: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code loads, and every pattern of every region compiles.
    #[test]
    fn every_calling_code_loads_and_its_patterns_compile() {
        assert!((200..MAX_CODES).contains(&count()), "{} calling codes", count());
        for (index, loaded) in LOADED.iter().enumerate().take(count()) {
            let code = entry(index).0;
            assert_eq!(index_of(code), Some(index));
            let regions = loaded.get_or_init(|| load(index));
            assert!(!regions.is_empty(), "+{code}");
            for region in regions {
                let patterns = [&region.leading_digits, &region.national_prefix_for_parsing];
                for pattern in patterns.into_iter().flatten() {
                    pattern.regex();
                }
                for descriptor in std::iter::once(&region.general).chain(&region.kinds) {
                    descriptor.pattern.regex();
                }
            }
        }
        let (code, nanp) = for_number("12015550123").unwrap();
        assert_eq!(code, 1);
        let ids: Vec<&str> = nanp.iter().map(|region| region.id.as_str()).collect();
        assert_eq!(ids.first(), Some(&"US"), "the main region of +1 first");
        assert!(ids.contains(&"CA") && ids.contains(&"JM"));
    }

    #[test]
    fn a_number_finds_the_code_it_begins_with() {
        let code = |digits| for_number(digits).map(|(code, _)| code);
        assert_eq!(code("4915112345678"), Some(49));
        assert_eq!(code("74951234567"), Some(7));
        assert_eq!(code("380441234567"), Some(380));
        assert_eq!(code("80012345678"), Some(800), "non-geographic");
        assert_eq!(for_number("80012345678").unwrap().1[0].id, "001");
        assert_eq!(code("0123"), None);
        assert_eq!(code("01234"), None, "not +1");
        assert_eq!(code("999"), None, "+999 is not assigned");
        assert_eq!(code(""), None);
    }
}
