#![no_main]
//! Fuzz target `go`: see `lambda_audit_fuzz::go`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(data, lambda_audit_fuzz::go));
