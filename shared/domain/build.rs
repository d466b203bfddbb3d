//! libphonenumber's metadata, grouped by country calling code.
//!
//! The `phonenumber` crate loads the metadata of every region on its first
//! parse and checks the syntax of each of its several thousand patterns: over
//! a hundred milliseconds of a cold start on a whole core, most of a second at
//! a seventh of one. Here the crate's own `PhoneNumberMetadata.xml` is read
//! with the crate's own loader and written out again one calling code at a
//! time (`phone-metadata.bin`, postcard, and `phone_metadata.rs`, the table of
//! where each code's part starts and ends), so that a number is parsed with
//! the metadata of its code alone (`domain::phone_metadata`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

use phonenumber::metadata::loader;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../../Cargo.lock");
    let xml = metadata_xml();
    println!("cargo:rerun-if-changed={}", xml.display());

    let file = File::open(&xml).unwrap_or_else(|e| panic!("{}: {e}", xml.display()));
    let regions =
        loader::load(BufReader::new(file)).unwrap_or_else(|e| panic!("{}: {e:?}", xml.display()));

    // Within a code the file's order is kept: the main region of a shared
    // code (the US for +1) comes first, as the crate's own database has it.
    let mut by_code: BTreeMap<u16, Vec<loader::Metadata>> = BTreeMap::new();
    for region in regions {
        let code = region
            .country_code
            .unwrap_or_else(|| panic!("region {:?} has no calling code", region.id));
        by_code.entry(code).or_default().push(region);
    }

    let mut blob = Vec::new();
    let mut table = format!(
        "/// How many calling codes there are.\n\
         const COUNT: usize = {};\n\
         /// Calling code, then where its regions start and end in the metadata.\n\
         static CODES: [(u16, usize, usize); COUNT] = [\n",
        by_code.len()
    );
    for (code, regions) in &by_code {
        let part = postcard::to_allocvec(regions).expect("metadata serialises");
        let start = blob.len();
        blob.extend_from_slice(&part);
        writeln!(table, "    ({code}, {start}, {}),", blob.len()).unwrap();
    }
    table.push_str("];\n");

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    write(&out.join("phone-metadata.bin"), &blob);
    write(&out.join("phone_metadata.rs"), table.as_bytes());
}

fn write(path: &Path, bytes: &[u8]) {
    fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// `assets/PhoneNumberMetadata.xml` of the `phonenumber` package this crate
/// is built with: in the package's extracted source under Cargo's home, at
/// the version `Cargo.lock` names (cargo has unpacked it before any build
/// script runs); else, for vendored or otherwise replaced sources, where
/// `cargo metadata` says it is (offline, which needs every package of the
/// workspace at hand).
fn metadata_xml() -> PathBuf {
    const ASSET: &str = "assets/PhoneNumberMetadata.xml";
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut tried = Vec::new();
    if let Some(version) = locked_version(&manifest_dir, "phonenumber") {
        let package = format!("phonenumber-{version}");
        for registry in registry_sources() {
            let candidate = registry.join(&package).join(ASSET);
            if candidate.is_file() {
                return candidate;
            }
            tried.push(candidate.display().to_string());
        }
    }
    match from_cargo_metadata(&manifest_dir) {
        Ok(manifest) => manifest.with_file_name(ASSET),
        Err(why) => panic!("libphonenumber's metadata not found: not at {tried:?}, and {why}"),
    }
}

/// The version of `name` in the nearest `Cargo.lock` above `dir`.
fn locked_version(dir: &Path, name: &str) -> Option<String> {
    let lock = dir
        .ancestors()
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.is_file())?;
    let text = fs::read_to_string(lock).ok()?;
    let wanted = format!("name = \"{name}\"");
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = ")?;
            return Some(version.trim_matches('"').to_owned());
        }
    }
    None
}

/// `$CARGO_HOME/registry/src/*`, in name order.
fn registry_sources() -> Vec<PathBuf> {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let mut dirs: Vec<PathBuf> = home
        .and_then(|h| fs::read_dir(h.join("registry").join("src")).ok())
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    dirs
}

/// The `Cargo.toml` of the one `phonenumber` package `cargo metadata` lists.
fn from_cargo_metadata(manifest_dir: &Path) -> Result<PathBuf, String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(manifest_dir)
        .args(["metadata", "--format-version", "1", "--offline"]);
    if let Ok(target) = env::var("TARGET") {
        command.args(["--filter-platform", &target]);
    }
    let output = command
        .output()
        .map_err(|e| format!("cargo metadata did not run: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    let packages: Vec<&str> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|package| package["name"] == "phonenumber")
        .filter_map(|package| package["manifest_path"].as_str())
        .collect();
    match packages.as_slice() {
        [manifest] => Ok(PathBuf::from(manifest)),
        other => Err(format!(
            "cargo metadata lists {} phonenumber packages",
            other.len()
        )),
    }
}
