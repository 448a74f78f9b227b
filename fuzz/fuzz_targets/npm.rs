#![no_main]
//! Fuzz target `npm`: see `lambda_audit_fuzz::npm`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::npm(data)
);
