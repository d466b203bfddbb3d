//! The hasher's own tests: formats, verification of every scheme, the
//! shared buffer.

use super::*;
use crate::OsRandom;

#[test]
fn hashes_are_argon2id_phc_strings_with_owasp_parameters() {
    let hash =
        PasswordHasher::owasp().hash(&Password::new("correct horse battery"), &OsRandom).unwrap();
    assert!(
        hash.expose_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "unexpected hash format"
    );
}

#[test]
fn the_phc_string_is_the_one_argon2_itself_writes() {
    use argon2::PasswordHasher as _;
    let salt = [7u8; SALT_BYTES];
    let expected = PasswordHasher::owasp()
        .argon2()
        .hash_password_with_salt(b"correct horse battery", &salt)
        .unwrap()
        .to_string();
    struct Fixed;
    impl RandomSource for Fixed {
        fn fill(&self, bytes: &mut [u8]) -> Result<(), RandomError> {
            bytes.fill(7);
            Ok(())
        }
    }
    let ours =
        PasswordHasher::owasp().hash(&Password::new("correct horse battery"), &Fixed).unwrap();
    assert_eq!(ours.expose_phc(), expected);
}

#[test]
fn verify_accepts_the_password_and_refuses_others() {
    let hasher = PasswordHasher::owasp();
    let hash = hasher.hash(&Password::new("correct horse battery"), &OsRandom).unwrap();
    assert!(hasher.verify("correct horse battery", &hash));
    assert!(!hasher.verify("correct horse batterY", &hash));
    assert!(!hasher.verify("", &hash));
}

#[test]
fn same_password_gets_a_fresh_salt_each_time() {
    let hasher = PasswordHasher::owasp();
    let a = hasher.hash(&Password::new("same password"), &OsRandom).unwrap();
    let b = hasher.hash(&Password::new("same password"), &OsRandom).unwrap();
    assert_ne!(a.expose_phc(), b.expose_phc());
}

#[test]
fn unicode_is_normalised_before_hashing() {
    let hasher = PasswordHasher::owasp();
    // "é" precomposed vs "e" + combining acute accent.
    let hash = hasher.hash(&Password::new("caf\u{e9} au lait"), &OsRandom).unwrap();
    assert!(hasher.verify("cafe\u{301} au lait", &hash));
}

#[test]
fn hashes_made_with_other_parameters_still_verify() {
    use argon2::PasswordHasher as _;
    let weak = Params::new(8, 1, 1, None).unwrap();
    let phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, weak)
        .hash_password_with_salt(b"old password", &[9u8; 16])
        .unwrap()
        .to_string();
    assert!(PasswordHasher::owasp().verify("old password", &PasswordHash::from_phc(&phc)));
}

/// A hash stored before the import bounds, past them, is never computed:
/// the right password does not open it (the owner resets it).
#[test]
fn a_stored_hash_past_the_import_bounds_opens_nothing() {
    use argon2::PasswordHasher as _;
    // 256 MiB, 3 passes: about 20 shipped checks and a bit.
    let costly = Params::new(262_144, 3, 1, None).unwrap();
    let phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, costly)
        .hash_password_with_salt(b"old password", &[9u8; 16])
        .unwrap()
        .to_string();
    let hash = PasswordHash::from_phc(&phc);
    assert!(crate::HashScheme::check_imported(&phc).is_err());
    assert!(!PasswordHasher::owasp().verify("old password", &hash));
}

#[test]
fn argon2_hashes_of_every_variant_and_version_verify_in_the_shared_buffer() {
    use argon2::PasswordHasher as _;
    let hasher = PasswordHasher::owasp();
    let own_blocks = hasher.params.block_count();
    let cases = [
        (Algorithm::Argon2d, Version::V0x13, Params::new(64, 1, 1, None)),
        (Algorithm::Argon2i, Version::V0x10, Params::new(64, 3, 2, None)),
        (Algorithm::Argon2id, Version::V0x10, Params::new(32, 1, 1, Some(64))),
        // More memory than the shipped parameters: a buffer of its own.
        (Algorithm::Argon2id, Version::V0x13, Params::new(20_480, 1, 1, Some(16))),
    ];
    for (algorithm, version, params) in cases {
        let phc = Argon2::new(algorithm, version, params.unwrap())
            .hash_password_with_salt(b"correct horse", &[4u8; 16])
            .unwrap()
            .to_string();
        let hash = PasswordHash::from_phc(&phc);
        assert!(hasher.verify("correct horse", &hash), "{phc}");
        assert!(!hasher.verify("correct horsE", &hash), "{phc}");
        // A changed output, salt or cost no longer verifies.
        let tail = phc.len() - 3;
        let tampered = format!("{}AAA", &phc[..tail]);
        assert!(!hasher.verify("correct horse", &PasswordHash::from_phc(&tampered)));
        let costlier = phc.replacen(",t=", ",t=1", 1);
        assert!(!hasher.verify("correct horse", &PasswordHash::from_phc(&costlier)));
        let memory = MEMORY.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(memory.len() <= own_blocks, "the shared buffer grew: {phc}");
    }
    for broken in ["$argon2id$v=19$m=19456,t=2,p=1$", "$argon2x$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$AAAA"]
    {
        assert!(!hasher.verify("", &PasswordHash::from_phc(broken)), "{broken}");
    }
}

#[test]
fn imported_hashes_verify_and_only_the_current_argon2id_is_current() {
    use argon2::PasswordHasher as _;
    let hasher = PasswordHasher::owasp();
    let ours = hasher.hash(&Password::new("correct horse"), &OsRandom).unwrap();
    assert!(hasher.is_current(&ours));
    let argon2i =
        Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::new(64, 1, 1, None).unwrap())
            .hash_password_with_salt(b"correct horse", &[3u8; 16])
            .unwrap()
            .to_string();
    // Python's bcrypt (cost 4) and Django 5 (1,000 iterations), as in
    // `hash_schemes`.
    let imported = [
        argon2i.as_str(),
        "$2b$04$cnErr362qvujsmCuuc5MPOjmOYBav.R4wk7ANC3coxhPILHrcgts.",
        "pbkdf2_sha256$1000$seasalt2024$vv6efMwQukIGQA5PNgPHorln9QGN/JMACNAu7hVPiWM=",
    ];
    for text in imported {
        let hash = PasswordHash::from_phc(text);
        assert!(hasher.verify("correct horse", &hash), "{text}");
        assert!(!hasher.verify("correct horsE", &hash), "{text}");
        assert!(!hasher.is_current(&hash), "{text}");
    }
    assert!(!hasher.verify("anything", &PasswordHash::from_phc("not a hash")));
}

#[test]
fn an_imported_hash_of_the_password_as_typed_verifies() {
    // A product that hashed "cafe" + combining acute, unnormalised.
    let hash = bcrypt::hash_with_salt("cafe\u{301}", 4, [5u8; 16]).unwrap().to_string();
    let hash = PasswordHash::from_phc(&hash);
    assert!(PasswordHasher::owasp().verify("cafe\u{301}", &hash));
}

#[test]
fn the_dummy_hash_costs_what_a_real_one_does_and_opens_nothing() {
    let hasher = PasswordHasher::owasp();
    let dummy = hasher.dummy_hash();
    assert!(hasher.is_current(dummy));
    assert!(!hasher.verify("", dummy));
    assert!(!hasher.verify("password", dummy));
    assert_eq!(dummy.expose_phc(), hasher.dummy_hash().expose_phc());
}

#[test]
fn secrets_do_not_print() {
    let hash = PasswordHasher::owasp().hash(&Password::new("hunter22hunter"), &OsRandom).unwrap();
    let shown = format!("{:?} {:?}", Password::new("hunter22hunter"), hash);
    assert!(!shown.contains("hunter22hunter"));
    assert!(!shown.contains("argon2"));
}
