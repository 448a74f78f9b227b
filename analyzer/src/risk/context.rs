//! The Lambda context of a finding: how the function is exposed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How far a deployed function can be reached from outside, most exposed
/// first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExposureLevel {
    /// Anyone on the internet: a function URL without auth, or a resource
    /// policy letting any principal (`*`) invoke it.
    Internet,
    /// A resource policy lets a service (API Gateway, an ALB) or named
    /// accounts invoke it.
    Invocable,
    /// Nothing but event sources (and the owner's IAM principals) invoke it.
    EventSourcesOnly,
    /// The Lambda API did not say (a call was denied), or the function was
    /// not deployed (a local scan).
    Unknown,
}

/// A deployed function's exposure: the level, and the sentence reports show
/// (`internet (function URL, no auth)`, `invocable by apigateway.amazonaws.com`,
/// `event sources only`, `unknown: GetPolicy denied`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    pub level: ExposureLevel,
    pub description: String,
}

impl Exposure {
    /// A function URL whose `AuthType` is `NONE`.
    pub fn function_url_without_auth() -> Exposure {
        Exposure {
            level: ExposureLevel::Internet,
            description: "internet (function URL, no auth)".into(),
        }
    }

    /// A resource policy letting `principals` invoke the function; `*`
    /// among them makes it internet-facing.
    pub fn invocable_by(principals: &[String]) -> Exposure {
        let level = match principals.iter().any(|p| p == "*") {
            true => ExposureLevel::Internet,
            false => ExposureLevel::Invocable,
        };
        Exposure {
            level,
            description: format!("invocable by {}", principals.join(", ")),
        }
    }

    /// Only event sources invoke the function.
    pub fn event_sources_only() -> Exposure {
        Exposure {
            level: ExposureLevel::EventSourcesOnly,
            description: "event sources only".into(),
        }
    }

    /// The exposure could not be read; `why` names the call that failed.
    pub fn unknown(why: impl fmt::Display) -> Exposure {
        Exposure {
            level: ExposureLevel::Unknown,
            description: format!("unknown: {why}"),
        }
    }
}

impl fmt::Display for Exposure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}
