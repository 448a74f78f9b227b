//! Scan reports and checks shared by the store's tests: the conformance
//! suite's builders (see `testkit::store_conformance`).
#![allow(unused_imports)]

pub use testkit::store_conformance::{
    assert_consistent, day, finding, package, report, subject, FUNCTION, LAYER,
};
