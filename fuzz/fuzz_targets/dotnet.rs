#![no_main]
//! Fuzz target `dotnet`: see `lambda_audit_fuzz::dotnet`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::dotnet
));
