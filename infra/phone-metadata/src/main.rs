//! `cargo run -p phone-metadata` writes `shared/domain/data/phone-metadata.bin`
//! from `assets/PhoneNumberMetadata.xml` of the `phonenumber` package that
//! `Cargo.lock` names; `-- --check` only says whether the file is what that
//! package makes. Run it after `cargo update -p phonenumber`: the domain
//! crate's tests and this crate's own test fail until it is.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|arg| arg == "--check");
    let made = match phone_metadata::from_locked_package() {
        Ok(made) => made,
        Err(why) => {
            eprintln!("phone-metadata: {why}");
            return ExitCode::FAILURE;
        }
    };
    let path: PathBuf = phone_metadata::committed_path();
    if check {
        let same = std::fs::read(&path).is_ok_and(|committed| committed == made);
        println!(
            "{}: {}",
            path.display(),
            if same { "up to date" } else { "differs: run `cargo run -p phone-metadata`" }
        );
        return if same { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    if let Err(err) = std::fs::write(&path, &made) {
        eprintln!("phone-metadata: {}: {err}", path.display());
        return ExitCode::FAILURE;
    }
    println!("{}: {} bytes", path.display(), made.len());
    ExitCode::SUCCESS
}
