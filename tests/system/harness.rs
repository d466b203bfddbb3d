//! The harness itself: functions that refuse their configuration fail the
//! start at once, naming the variable, instead of being started again and
//! again by `cargo lambda watch` until a timeout.

use system_tests::*;

#[test]
fn a_function_refusing_its_configuration_fails_the_start_with_the_reason() {
    let started = std::panic::catch_unwind(|| Functions::start(&[("EDITION", "bogus")]));
    let panic = started.err().expect("the start fails");
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    assert!(message.contains("refused its configuration"), "{message}");
    assert!(message.contains("EDITION must be cloud or on_premise"), "{message}");
}
