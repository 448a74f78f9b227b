#![no_main]
//! Fuzz target `osv`: see `lambda_audit_fuzz::osv`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::osv(data)
);
