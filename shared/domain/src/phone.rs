//! Reading an international number into E.164 and checking it, as
//! libphonenumber's reader (the `phonenumber` crate) does, for what
//! `PhoneNumber` lets through to it: a `+`, ASCII digits, whitespace and
//! `-().`. Over the metadata of the number's own calling code
//! (`phone_metadata`), with regex-lite: the patterns are ASCII digit
//! patterns. A test reads tens of thousands of numbers both ways.

use crate::phone_metadata::{self, PhoneRegion};

/// libphonenumber's bounds on a national significant number.
const MIN_NATIONAL: usize = 2;
const MAX_NATIONAL: usize = 17;

/// The number in E.164, or `None` when it is not one; with `validate`, also
/// `None` when it is no kind of number of its region. `digits` is what
/// follows the `+` of `text` less its separators.
pub(crate) fn read(text: &str, digits: &str, validate: bool) -> Option<String> {
    let (code, regions) = phone_metadata::for_number(digits)?;
    let code_digits = code.to_string();
    // Both readings refuse a number of two digits or fewer: the URI form
    // counts those after the code, the other every digit.
    let national = match tel_uri_form(text) {
        Some((prefix, rest)) => {
            let national = only_digits(rest);
            let read = viable(rest) && national.len() > MIN_NATIONAL;
            // `+49-151-...`: the digits before the first `-().` are the code.
            (read && only_digits(prefix) == code_digits).then_some(national)?
        }
        None => {
            let read = viable(written_number(text)?) && digits.len() > MIN_NATIONAL;
            read.then(|| digits[code_digits.len()..].to_owned())?
        }
    };
    let national = strip_national_prefix(regions, national);
    if !(MIN_NATIONAL..=MAX_NATIONAL).contains(&national.len()) || !fits_u56(&national) {
        return None;
    }
    if validate && !region_for(regions, &national).is_some_and(|r| is_some_kind(r, &national)) {
        return None;
    }
    Some(format!("+{code}{national}"))
}

/// The RFC 3966 reading libphonenumber tries first on a number without a
/// space: `+`, the code up to the first of `-().`, then only digits and
/// those. The code part and the rest.
fn tel_uri_form(text: &str) -> Option<(&str, &str)> {
    if text.contains(' ') {
        return None;
    }
    let after = text.strip_prefix('+')?;
    let split = after.find(['-', '.', '(', ')'])?;
    let (prefix, rest) = after.split_at(split);
    let number = |c: char| c.is_ascii_digit() || matches!(c, '-' | '.' | '(' | ')');
    (!prefix.is_empty() && rest.chars().all(number)).then_some((prefix, rest))
}

/// What the other reading takes of `text`: from its `+` to its last digit.
fn written_number(text: &str) -> Option<&str> {
    let start = text.find('+')?;
    let end = text.rfind(|c: char| c.is_ascii_digit())? + 1;
    text.get(start..end)
}

/// libphonenumber's test of a viable number, for a text that starts with
/// `+` or a separator (its other case, two digits alone, cannot arise
/// here): digits and punctuation, at least three digits.
fn viable(text: &str) -> bool {
    let body = text.trim_start_matches('+');
    let punctuation = |c: char| matches!(c, ' ' | '-' | '(' | ')' | '.');
    body.chars().all(|c| c.is_ascii_digit() || punctuation(c))
        && body.chars().filter(char::is_ascii_digit).count() >= 3
}

fn only_digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// A national number whose digits after its leading zeros are a number
/// below 2^56, as libphonenumber's reader stores it.
fn fits_u56(national: &str) -> bool {
    let value = national.trim_start_matches('0');
    value.parse::<u64>().is_ok_and(|value| value < 1 << 56)
}

/// The national number without a national prefix written into it
/// (`+44 (0)20 ...`), when what is left is not too short for its region.
fn strip_national_prefix(regions: &[PhoneRegion], national: String) -> String {
    let Some(region) = region_for(regions, national.trim_start_matches('0')) else {
        return national;
    };
    // Stripped once more, as the crate's reader does.
    let parsed = prefix_for_parsing(region, &national);
    let potential = without_national_prefix(region, &parsed);
    let lengths = &region.general.possible_lengths;
    let length = u16::try_from(potential.len()).unwrap_or(u16::MAX);
    let too_short = lengths.first().is_some_and(|&shortest| length < shortest)
        && !region.general.possible_local_lengths.contains(&length);
    if too_short { national } else { potential.to_owned() }
}

fn without_national_prefix<'a>(region: &PhoneRegion, national: &'a str) -> &'a str {
    match &region.national_prefix {
        Some(prefix) => national.strip_prefix(prefix.as_str()).unwrap_or(national),
        None => national,
    }
}

/// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`, less the
/// carrier code (not kept).
fn prefix_for_parsing(region: &PhoneRegion, national: &str) -> String {
    let Some(parsing) = &region.national_prefix_for_parsing else {
        return without_national_prefix(region, national).into();
    };
    let regex = parsing.regex();
    let Some(captures) = regex.captures(national) else {
        return national.into();
    };
    let whole = captures.get(0).map_or(0..0, |found| found.range());
    if whole.start != 0 {
        return national.into();
    }
    let viable = region.general.is_match(national);
    let last_group = captures.get(captures.len() - 1);
    match (&region.national_prefix_transform_rule, last_group) {
        (Some(rule), Some(_)) => {
            let transformed = regex.replace(national, rule.as_str()).into_owned();
            if viable && !region.general.is_match(&transformed) {
                return national.into();
            }
            transformed
        }
        _ => national[whole.end..].into(),
    }
}

/// The region of `regions` (one calling code's) a national number belongs
/// to: the only one, or the first whose leading digits it starts with or,
/// for a region without them, of whose kinds it is one.
fn region_for<'a>(regions: &'a [PhoneRegion], national: &str) -> Option<&'a PhoneRegion> {
    match regions {
        [only] => only.known.then_some(only),
        _ => regions.iter().find(|region| match &region.leading_digits {
            Some(leading) => leading.matches_start(national),
            None => is_some_kind(region, national),
        }),
    }
}

/// Whether the number is of its region and of one of its kinds.
fn is_some_kind(region: &PhoneRegion, national: &str) -> bool {
    region.general.is_match(national) && region.kinds.iter().any(|kind| kind.is_match(national))
}

#[cfg(test)]
mod tests;
