//! The reading here against the `phonenumber` crate's (libphonenumber's
//! reader, which this service used before), number by number.

use std::panic::{AssertUnwindSafe, catch_unwind};

use phonenumber::metadata::{DATABASE, Descriptor};
use unicode_normalization::UnicodeNormalization;

use crate::PhoneNumber;

/// What `PhoneNumber` answered when it read through the `phonenumber`
/// crate (with the crate's whole database, which reads a number as the
/// metadata of its code alone does). `Err` when the crate panics.
fn by_the_crate(text: &str, validate: bool) -> Result<Option<String>, ()> {
    let text: String = text.trim().nfkc().collect();
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')' | '.'))
        .collect();
    let Some(digits) = compact.strip_prefix('+') else { return Ok(None) };
    let shaped = text.chars().count() <= 40
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && crate::phone_metadata::calling_code_of(digits).is_some();
    if !shaped {
        return Ok(None);
    }
    catch_unwind(AssertUnwindSafe(|| {
        let number = phonenumber::parse_with(&DATABASE, None, &text).ok()?;
        if validate && !phonenumber::is_valid_with(&DATABASE, &number) {
            return None;
        }
        Some(format!("+{}{}", number.code().value(), number.national()))
    }))
    .map_err(|_| ())
}

fn by_this(text: &str, validate: bool) -> Option<String> {
    let read =
        if validate { PhoneNumber::parse(text) } else { PhoneNumber::parse_for_lookup(text) };
    read.ok().map(|number| number.as_e164().to_owned())
}

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Dice(u64);

impl Dice {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }

    fn digits(&mut self, count: usize) -> String {
        (0..count).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }

    /// `text` with separators put between some of its characters.
    fn scatter(&mut self, text: &str) -> String {
        const SEPARATORS: [&str; 8] = [" ", "-", "(", ")", ".", "\t", "  ", ") "];
        let mut out = String::new();
        for c in text.chars() {
            out.push(c);
            if self.below(4) == 0 {
                out.push_str(SEPARATORS[self.below(SEPARATORS.len())]);
            }
        }
        out
    }
}

/// Compares both readings of every text; returns how many the crate found
/// valid, and how many made it panic.
fn compare(texts: &[String]) -> (usize, usize) {
    let (mut valid, mut panics) = (0, 0);
    for text in texts {
        for validate in [true, false] {
            match by_the_crate(text, validate) {
                Ok(answer) => {
                    assert_eq!(by_this(text, validate), answer, "{text:?}, validate {validate}");
                    valid += usize::from(validate && answer.is_some());
                }
                Err(()) => panics += 1,
            }
        }
    }
    (valid, panics)
}

fn kinds(descriptors: &phonenumber::metadata::Descriptors) -> [Option<&Descriptor>; 10] {
    [
        descriptors.fixed_line(),
        descriptors.mobile(),
        descriptors.toll_free(),
        descriptors.premium_rate(),
        descriptors.shared_cost(),
        descriptors.personal_number(),
        descriptors.voip(),
        descriptors.pager(),
        descriptors.uan(),
        descriptors.voicemail(),
    ]
}

/// The example numbers of every kind in every region: as they are, a digit
/// short and long, with the national prefix written in, and with
/// separators scattered through them.
#[test]
fn example_numbers_read_as_the_crate_reads_them() {
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let mut texts = Vec::new();
    for region in DATABASE.iter() {
        let code = region.country_code();
        let prefix = region.national_prefix().unwrap_or("0");
        for example in kinds(region.descriptors()).into_iter().flatten().filter_map(|d| d.example())
        {
            let short = &example[..example.len() - 1];
            texts.extend([
                format!("+{code}{example}"),
                format!("+{code} {short}"),
                format!("+{code}-{example}7"),
                format!("+{code} ({example})"),
                format!("+{code} ({prefix}) {example}"),
                format!("+{code}{prefix}{example}"),
                format!("+{code}-{prefix}{example}"),
                format!("+{code}.{example}"),
                format!("({})", dice.scatter(&format!("+{code}{example}"))),
                dice.scatter(&format!("+{code}{prefix}{example}")),
            ]);
        }
    }
    let (valid, panics) = compare(&texts);
    assert!(texts.len() > 10_000 && valid > 4_000, "{} numbers, {valid} valid", texts.len());
    assert_eq!(panics, 0);
}

/// Random digits after every calling code, of every length up to past the
/// longest, some with separators, some with a leading 0.
#[test]
fn random_numbers_read_as_the_crate_reads_them() {
    let mut dice = Dice(0x2545_f491_4f6c_dd1d);
    let mut codes: Vec<u16> = DATABASE.iter().map(|region| region.country_code()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut texts = Vec::new();
    for code in codes {
        for length in 1..=19 {
            let national = dice.digits(length);
            texts.push(format!("+{code}{national}"));
            texts.push(format!("+{code}0{national}"));
            texts.push(dice.scatter(&format!("+{code}{national}")));
            texts.push(format!("+{code}-{}", dice.scatter(&national)));
        }
    }
    let (valid, panics) = compare(&texts);
    assert!(texts.len() > 15_000 && valid > 300, "{} numbers, {valid} valid", texts.len());
    assert_eq!(panics, 0);
}

#[test]
fn the_uri_form_takes_the_code_before_the_first_separator() {
    assert_eq!(by_this("+49-151-12345678", true).as_deref(), Some("+4915112345678"));
    assert_eq!(by_this("+4-9151-12345678", true), None, "4 is not the code");
    assert_eq!(by_this("+49\t151 12345678", true), None, "a tab is not punctuation");
    assert_eq!(by_this("+44 (0)20 7946 0958", true).as_deref(), Some("+442079460958"));
}
