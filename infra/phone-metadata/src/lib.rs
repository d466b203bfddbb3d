//! libphonenumber's metadata split by country calling code, in the layout
//! `recovery_domain::phone_metadata` reads (and encodes): of each region,
//! what reading and checking an international number takes, the main
//! region of a shared code first, the others in the file's order (as the
//! `phonenumber` crate's own database has them).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;

use phonenumber::metadata::loader;
use recovery_domain::phone_metadata::{Pattern, PhoneDescriptor, PhoneRegion, encode};

/// Where the split metadata is committed.
pub fn committed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/domain/data/phone-metadata.bin")
}

/// The split metadata of the `phonenumber` package the workspace locks.
pub fn from_locked_package() -> Result<Vec<u8>, String> {
    let xml = locked_package_xml()?;
    let file = File::open(&xml).map_err(|e| format!("{}: {e}", xml.display()))?;
    let regions =
        loader::load(BufReader::new(file)).map_err(|e| format!("{}: {e:?}", xml.display()))?;
    split(regions)
}

/// `regions` grouped by calling code.
pub fn split(regions: Vec<loader::Metadata>) -> Result<Vec<u8>, String> {
    let mut by_code: BTreeMap<u16, Vec<PhoneRegion>> = BTreeMap::new();
    for region in regions {
        let code = region
            .country_code
            .ok_or_else(|| format!("region {:?} has no calling code", region.id))?;
        let main = region.main_country_for_code;
        let region = convert(region)?;
        let regions = by_code.entry(code).or_default();
        if main {
            regions.insert(0, region);
        } else {
            regions.push(region);
        }
    }
    for (code, regions) in &by_code {
        // The crate's reader would panic on a shared code's unknown region.
        if regions.len() > 1 && regions.iter().any(|region| !region.known) {
            return Err(format!("+{code} has a region the reader does not know"));
        }
    }
    encode(&by_code.into_iter().collect::<Vec<_>>())
}

fn convert(region: loader::Metadata) -> Result<PhoneRegion, String> {
    let id = region.id.ok_or("a region without an id")?;
    let descriptor = |descriptor: loader::Descriptor| -> Result<PhoneDescriptor, String> {
        Ok(PhoneDescriptor {
            pattern: Pattern::new(descriptor.national_number.ok_or("a pattern-less descriptor")?),
            possible_lengths: descriptor.possible_length,
            possible_local_lengths: descriptor.possible_local_length,
        })
    };
    // Every kind libphonenumber's reader counts as a valid number.
    let kinds = [
        region.premium_rate,
        region.toll_free,
        region.shared_cost,
        region.voip,
        region.personal_number,
        region.pager,
        region.uan,
        region.voicemail,
        region.fixed_line,
        region.mobile,
    ];
    Ok(PhoneRegion {
        known: id == "001" || id.parse::<phonenumber::country::Id>().is_ok(),
        leading_digits: region.leading_digits.map(Pattern::new),
        national_prefix: region.national_prefix,
        national_prefix_for_parsing: region.national_prefix_for_parsing.map(Pattern::new),
        national_prefix_transform_rule: region.national_prefix_transform_rule,
        general: descriptor(region.general.ok_or_else(|| format!("{id} has no general pattern"))?)?,
        kinds: kinds.into_iter().flatten().map(descriptor).collect::<Result<_, _>>()?,
        id,
    })
}

/// `assets/PhoneNumberMetadata.xml` of the one `phonenumber` package
/// `cargo metadata` lists for this workspace.
fn locked_package_xml() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["metadata", "--format-version", "1"])
        .output()
        .map_err(|e| format!("cargo metadata did not run: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    let manifests: Vec<&str> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|package| package["name"] == "phonenumber")
        .filter_map(|package| package["manifest_path"].as_str())
        .collect();
    match manifests.as_slice() {
        [manifest] => Ok(Path::new(manifest).with_file_name("assets/PhoneNumberMetadata.xml")),
        other => Err(format!("cargo metadata lists {} phonenumber packages", other.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After `cargo update -p phonenumber`, this fails until
    /// `cargo run -p phone-metadata` has written the new metadata.
    #[test]
    fn the_committed_metadata_is_what_the_locked_package_makes() {
        let made = from_locked_package().unwrap();
        let committed = std::fs::read(committed_path()).unwrap();
        assert!(
            committed == made,
            "shared/domain/data/phone-metadata.bin is not what the locked phonenumber \
             package makes: run `cargo run -p phone-metadata`"
        );
    }
}
