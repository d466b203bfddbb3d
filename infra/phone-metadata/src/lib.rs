//! libphonenumber's metadata split by country calling code, in the layout
//! `recovery_domain`'s `phone_metadata` reads: a little-endian `u16` count
//! of codes, then for each code in ascending order its `u16` code and the
//! `u32` start and end of its regions in the data that follows, each part a
//! postcard `Vec<loader::Metadata>` (the `phonenumber` crate's own loader
//! and serialisation, as its own build script writes its whole database).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;

use phonenumber::metadata::loader;

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

/// `regions` grouped by calling code, in the file's order within a code (the
/// main region of a shared code, the US for +1, first, as the crate's own
/// database has it).
pub fn split(regions: Vec<loader::Metadata>) -> Result<Vec<u8>, String> {
    let mut by_code: BTreeMap<u16, Vec<loader::Metadata>> = BTreeMap::new();
    for region in regions {
        let code = region
            .country_code
            .ok_or_else(|| format!("region {:?} has no calling code", region.id))?;
        by_code.entry(code).or_default().push(region);
    }
    let count = u16::try_from(by_code.len()).map_err(|_| "too many calling codes")?;
    let mut index = count.to_le_bytes().to_vec();
    let mut data = Vec::new();
    for (code, regions) in &by_code {
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
