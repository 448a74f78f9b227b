#![no_main]
//! Fuzz target `go`: see `lambda_audit_fuzz::go`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::go(data)
);
