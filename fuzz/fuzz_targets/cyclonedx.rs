#![no_main]
//! Fuzz target `cyclonedx`: see `lambda_audit_fuzz::cyclonedx`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::cyclonedx(data)
);
