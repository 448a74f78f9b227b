#![no_main]
//! Fuzz target `cargo`: see `lambda_audit_fuzz::cargo`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::cargo(data)
);
