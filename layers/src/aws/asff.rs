//! Where ASFF findings about a deployed function or layer version belong: the
//! subject's own partition, region and account, and its resource type. The
//! findings themselves come from `analyzer::report::asff`.

use super::arn::{FunctionArn, LayerVersionArn};
use analyzer::report::AsffContext;

/// The ASFF context of findings about `subject`, a function ARN (resource
/// `AwsLambdaFunction`) or a layer version ARN (`AwsLambdaLayerVersion`),
/// stamped `timestamp`; `None` when `subject` is neither.
pub fn context(subject: &str, timestamp: String) -> Option<AsffContext> {
    let (partition, region, account, resource_type) = if let Ok(f) = FunctionArn::parse(subject) {
        (f.partition, f.region, f.account, "AwsLambdaFunction")
    } else {
        let l = LayerVersionArn::parse(subject).ok()?;
        (l.partition, l.region, l.account, "AwsLambdaLayerVersion")
    };
    Some(AsffContext {
        aws_account_id: account,
        region,
        partition,
        product_arn: None,
        resource_id: Some(subject.to_string()),
        resource_type: resource_type.to_string(),
        timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::context;

    #[test]
    fn the_context_is_the_subjects_own_account_and_region() {
        let function = "arn:aws:lambda:eu-west-1:123456789012:function:app:3";
        let c = context(function, "t".into()).unwrap();
        assert_eq!(
            (
                c.aws_account_id.as_str(),
                c.region.as_str(),
                c.partition.as_str()
            ),
            ("123456789012", "eu-west-1", "aws")
        );
        assert_eq!(c.resource_id.as_deref(), Some(function));
        assert_eq!(c.resource_type, "AwsLambdaFunction");
        assert_eq!(
            c.product_arn(),
            "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
        );
        let layer = "arn:aws-cn:lambda:cn-north-1:123456789012:layer:deps:2";
        let c = context(layer, "t".into()).unwrap();
        assert_eq!(c.resource_type, "AwsLambdaLayerVersion");
        assert_eq!(c.partition, "aws-cn");
        assert_eq!(context("not-an-arn", "t".into()), None);
    }
}
