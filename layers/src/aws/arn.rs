//! Lambda ARNs: functions (with an optional qualifier) and layer versions.

use std::fmt;

/// Why a string is not the ARN expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{arn}` is not a Lambda {expected} ARN")]
pub struct ArnError {
    pub arn: String,
    pub expected: &'static str,
}

/// `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub name: String,
    pub qualifier: Option<String>,
}

impl FunctionArn {
    /// Parses a full function ARN; a bare name is not an ARN.
    pub fn parse(arn: &str) -> Result<FunctionArn, ArnError> {
        let bad = || ArnError {
            arn: arn.to_string(),
            expected: "function",
        };
        let parts: Vec<&str> = arn.split(':').collect();
        if !(7..=8).contains(&parts.len())
            || parts[0] != "arn"
            || parts[2] != "lambda"
            || parts[5] != "function"
            || parts[3].is_empty()
            || parts[6].is_empty()
        {
            return Err(bad());
        }
        Ok(FunctionArn {
            partition: parts[1].to_string(),
            region: parts[3].to_string(),
            account: parts[4].to_string(),
            name: parts[6].to_string(),
            qualifier: parts.get(7).map(|q| q.to_string()),
        })
    }

    /// The ARN without its qualifier.
    pub fn unqualified(&self) -> String {
        format!(
            "arn:{}:lambda:{}:{}:function:{}",
            self.partition, self.region, self.account, self.name
        )
    }

    /// The ARN naming one version: `…:function:NAME:VERSION`.
    pub fn with_version(&self, version: &str) -> String {
        format!("{}:{version}", self.unqualified())
    }
}

impl fmt::Display for FunctionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.unqualified())?;
        match &self.qualifier {
            Some(q) => write!(f, ":{q}"),
            None => Ok(()),
        }
    }
}

/// `arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerVersionArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub name: String,
    pub version: i64,
}

impl LayerVersionArn {
    /// Parses a layer version ARN (the version number is required).
    pub fn parse(arn: &str) -> Result<LayerVersionArn, ArnError> {
        let bad = || ArnError {
            arn: arn.to_string(),
            expected: "layer version",
        };
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() != 8
            || parts[0] != "arn"
            || parts[2] != "lambda"
            || parts[5] != "layer"
            || parts[3].is_empty()
            || parts[6].is_empty()
        {
            return Err(bad());
        }
        let version = parts[7].parse::<i64>().map_err(|_| bad())?;
        if version < 1 {
            return Err(bad());
        }
        Ok(LayerVersionArn {
            partition: parts[1].to_string(),
            region: parts[3].to_string(),
            account: parts[4].to_string(),
            name: parts[6].to_string(),
            version,
        })
    }

    /// The layer's ARN without the version, as GetLayerVersion accepts for its name.
    pub fn layer_arn(&self) -> String {
        format!(
            "arn:{}:lambda:{}:{}:layer:{}",
            self.partition, self.region, self.account, self.name
        )
    }
}

impl fmt::Display for LayerVersionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.layer_arn(), self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_arns_with_and_without_qualifier() {
        let a =
            FunctionArn::parse("arn:aws:lambda:eu-west-1:123456789012:function:app:prod").unwrap();
        assert_eq!(a.region, "eu-west-1");
        assert_eq!(a.name, "app");
        assert_eq!(a.qualifier.as_deref(), Some("prod"));
        assert_eq!(
            a.with_version("7"),
            "arn:aws:lambda:eu-west-1:123456789012:function:app:7"
        );
        let b = FunctionArn::parse("arn:aws:lambda:eu-west-1:123456789012:function:app").unwrap();
        assert_eq!(b.qualifier, None);
        assert_eq!(
            b.to_string(),
            "arn:aws:lambda:eu-west-1:123456789012:function:app"
        );
        assert!(FunctionArn::parse("app").is_err());
        assert!(FunctionArn::parse("arn:aws:lambda:eu-west-1:1:layer:x:1").is_err());
    }

    #[test]
    fn layer_version_arns_need_a_version() {
        let l =
            LayerVersionArn::parse("arn:aws:lambda:us-east-1:123456789012:layer:deps:12").unwrap();
        assert_eq!((l.name.as_str(), l.version), ("deps", 12));
        assert_eq!(
            l.layer_arn(),
            "arn:aws:lambda:us-east-1:123456789012:layer:deps"
        );
        assert_eq!(
            l.to_string(),
            "arn:aws:lambda:us-east-1:123456789012:layer:deps:12"
        );
        assert!(LayerVersionArn::parse("arn:aws:lambda:us-east-1:1:layer:deps").is_err());
        assert!(LayerVersionArn::parse("arn:aws:lambda:us-east-1:1:layer:deps:x").is_err());
        assert!(LayerVersionArn::parse("arn:aws:lambda:us-east-1:1:layer:deps:0").is_err());
    }
}
