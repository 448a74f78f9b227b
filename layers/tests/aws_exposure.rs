//! A deployed function's exposure from GetFunctionUrlConfig and GetPolicy:
//! against moto (which serves both calls, and CreateFunctionUrlConfig and
//! AddPermission to set them up), and against a loopback Lambda API speaking
//! the real service's JSON errors for a denied call, which moto never answers.

use analyzer::risk::ExposureLevel;
use lambda_audit_layers::aws::{config, exposure, AwsOptions};
use testkit::aws::{test_env, Canned, Scripted, World, ACCOUNT, REGION};

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:$LATEST")
}

async fn lambda(endpoint: &str) -> aws_sdk_lambda::Client {
    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(endpoint.to_string()),
    };
    config::lambda(&config::load(&options, None).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exposure_follows_the_function_url_and_the_resource_policy() {
    let Some(w) = World::start() else {
        return;
    };
    let lambda = lambda(&w.moto.endpoint).await;

    // No URL, no policy: only event sources (and the owner's IAM principals).
    let e = exposure::read(&lambda, &function_arn("py-app")).await;
    assert_eq!(e.to_string(), "event sources only");
    assert_eq!(e.level, ExposureLevel::EventSourcesOnly);

    // A permission for S3 is an event source; one for API Gateway opens it.
    lambda
        .add_permission()
        .function_name("node-worker")
        .statement_id("s3")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .send()
        .await
        .unwrap();
    let e = exposure::read(&lambda, &function_arn("node-worker")).await;
    assert_eq!(e.to_string(), "event sources only");
    lambda
        .add_permission()
        .function_name("node-worker")
        .statement_id("api")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .send()
        .await
        .unwrap();
    let e = exposure::read(&lambda, &function_arn("node-worker")).await;
    assert_eq!(e.to_string(), "invocable by apigateway.amazonaws.com");
    assert_eq!(e.level, ExposureLevel::Invocable);

    // A function URL without auth is on the internet.
    lambda
        .create_function_url_config()
        .function_name("node-app")
        .auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    let e = exposure::read(&lambda, &function_arn("node-app")).await;
    assert_eq!(e.to_string(), "internet (function URL, no auth)");
    assert_eq!(e.level, ExposureLevel::Internet);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_call_makes_the_exposure_unknown_and_names_the_call() {
    test_env();
    let server = Scripted::start();
    let function = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:app");
    let encoded = function.replace(':', "%3A");
    for name in [&function, &encoded] {
        server.route(
            &format!("/2021-10-31/functions/{name}/url"),
            vec![Canned::aws_error(
                404,
                "ResourceNotFoundException",
                "The resource you requested does not exist.",
            )],
        );
        server.route(
            &format!("/2015-03-31/functions/{name}/policy"),
            vec![Canned::aws_error(
                403,
                "AccessDeniedException",
                "User is not authorized to perform: lambda:GetPolicy",
            )],
        );
    }
    let lambda = lambda(&server.base).await;
    let e = exposure::read(&lambda, &format!("{function}:7")).await;
    assert_eq!(e.level, ExposureLevel::Unknown);
    assert_eq!(
        e.to_string(),
        "unknown: GetPolicy failed: AccessDeniedException: User is not authorized to perform: lambda:GetPolicy"
    );
}
