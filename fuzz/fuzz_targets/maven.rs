#![no_main]
//! Fuzz target `maven`: see `lambda_audit_fuzz::maven`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::maven(data)
);
