//! Scanning every function of an account: all pages, all given regions, with
//! bounded concurrency and one download and inventory per layer version; each
//! scanned function's exposure is read too.
//! Functions tagged for exclusion ([`exclusion`]) are listed, not scanned.

use super::config::{self, AwsOptions};
use super::download::Downloader;
use super::error::sdk_message;
use super::{FetchError, LayerCache, ScanOutcome, Scanner};
use analyzer::risk::Exposure;
use analyzer::Limits;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// One function of the listing and how its scan went.
#[derive(Debug)]
pub struct FunctionResult {
    pub region: String,
    /// The function ARN as listed.
    pub function: String,
    pub outcome: Result<ScanOutcome, FetchError>,
    /// How the function is exposed (see [`super::exposure`]), for a scanned one.
    pub exposure: Option<Exposure>,
}

/// Progress of an account scan, as it happens.
#[derive(Debug)]
pub enum Progress<'a> {
    /// A region was listed.
    Listed { region: &'a str, functions: usize },
    /// A function's scan ended; `done` of `total` so far.
    Done {
        done: usize,
        total: usize,
        result: &'a FunctionResult,
    },
}

/// Why an account scan could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no region: give --region or configure one (AWS_REGION, profile)")]
    NoRegion,
    #[error("{region}: ListFunctions failed: {message}")]
    List { region: String, message: String },
}

/// Amazon Inspector's exclusion tag for Lambda standard scanning, and its value.
pub const INSPECTOR_EXCLUSION: (&str, &str) = ("InspectorExclusion", "LambdaStandardScanning");
/// lambda-audit's own exclusion tag (any value).
pub const EXCLUDE_TAG: &str = "lambda-audit:exclude";

/// Why a function with these tags is excluded from account scans, if it is:
/// `InspectorExclusion: LambdaStandardScanning`, or `lambda-audit:exclude`
/// with any value.
pub fn exclusion<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<String> {
    tags.into_iter().find_map(|(key, value)| {
        let inspector = key == INSPECTOR_EXCLUSION.0 && value == INSPECTOR_EXCLUSION.1;
        (inspector || key == EXCLUDE_TAG).then(|| format!("excluded by tag {key}={value}"))
    })
}

/// The exclusion of function `arn` by its tags (ListTags), if any.
pub async fn excluded(
    lambda: &aws_sdk_lambda::Client,
    arn: &str,
) -> Result<Option<String>, FetchError> {
    let out = lambda
        .list_tags()
        .resource(arn)
        .send()
        .await
        .map_err(|e| FetchError::Api {
            subject: arn.to_string(),
            call: "ListTags",
            message: sdk_message(&e),
        })?;
    let mut tags: Vec<(&str, &str)> = out
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
        .unwrap_or_default();
    tags.sort();
    Ok(exclusion(tags))
}

/// Every function ARN in one region, following every page.
pub async fn list_functions(lambda: &aws_sdk_lambda::Client) -> Result<Vec<String>, String> {
    let mut pages = lambda.list_functions().into_paginator().send();
    let mut arns = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_message(&e))?;
        arns.extend(
            page.functions()
                .iter()
                .filter_map(|f| f.function_arn().map(str::to_string)),
        );
    }
    Ok(arns)
}

/// The functions of one region, and the Lambda client of that region.
#[derive(Clone, Debug)]
pub struct RegionListing {
    pub region: String,
    pub lambda: aws_sdk_lambda::Client,
    /// Function ARNs, as listed.
    pub functions: Vec<String>,
}

/// Lists every function of the given regions (the configured region when
/// none is given), region by region, every page: the first step of an
/// account scan, whether it scans in this process ([`stream_account`]) or
/// hands each function to a queue (the trigger's fan-out).
pub async fn list_account(
    options: &AwsOptions,
    regions: &[String],
) -> Result<Vec<RegionListing>, AccountError> {
    let regions: Vec<Option<&str>> = if regions.is_empty() {
        vec![None]
    } else {
        regions.iter().map(|r| Some(r.as_str())).collect()
    };
    let mut listings = Vec::with_capacity(regions.len());
    for region in regions {
        let sdk = config::load(options, region).await;
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .ok_or(AccountError::NoRegion)?;
        let lambda = config::lambda(&sdk);
        let functions = list_functions(&lambda)
            .await
            .map_err(|message| AccountError::List {
                region: region.clone(),
                message,
            })?;
        listings.push(RegionListing {
            region,
            lambda,
            functions,
        });
    }
    Ok(listings)
}

/// One function's scan, ended: handed over by value as it ends, so an
/// account scan keeps no inventory once its consumer is done with it.
#[derive(Debug)]
pub struct Finished {
    /// Its place in the listing (regions in order, then functions as listed).
    pub index: usize,
    /// Scans ended so far, this one included, of `total`.
    pub done: usize,
    pub total: usize,
    pub result: FunctionResult,
}

/// Lists and scans every function of the given regions (the configured
/// region when none is given), at most `concurrency` at a time, handing each
/// result to `each` as its scan ends, in the order they end. Each layer
/// version is downloaded and scanned once; the cache keeps its listing and
/// scan, never its bytes. A function that fails or is gone is a result,
/// never the end of the batch.
pub async fn stream_account(
    options: &AwsOptions,
    regions: &[String],
    concurrency: usize,
    downloader: Downloader,
    limits: Limits,
    listed: &mut (dyn FnMut(&str, usize) + Send),
    each: &mut (dyn FnMut(Finished) + Send),
) -> Result<Arc<LayerCache>, AccountError> {
    let layers = Arc::new(LayerCache::default());
    let mut work = Vec::new();
    for region in list_account(options, regions).await? {
        listed(&region.region, region.functions.len());
        let scanner = Scanner::new(
            region.lambda.clone(),
            downloader.clone(),
            limits.clone(),
            layers.clone(),
        );
        work.extend(region.functions.into_iter().map(|arn| {
            (
                region.region.clone(),
                arn,
                scanner.clone(),
                region.lambda.clone(),
            )
        }));
    }
    let total = work.len();
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    // Which function each task scans, to name it if the task itself fails.
    let mut ids = std::collections::HashMap::new();
    for (index, (region, function, scanner, lambda)) in work.into_iter().enumerate() {
        let permits = permits.clone();
        let names = (region.clone(), function.clone());
        let handle = tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let outcome = match excluded(&lambda, &function).await {
                Ok(Some(reason)) => Ok(ScanOutcome::NotScanned {
                    subject: function.clone(),
                    reason,
                }),
                Ok(None) => scanner.scan_function(&function, None).await,
                Err(e) => Err(e),
            };
            let exposure = match &outcome {
                Ok(ScanOutcome::Scanned(s)) => {
                    Some(super::exposure::read(&lambda, &s.subject).await)
                }
                _ => None,
            };
            FunctionResult {
                region,
                function,
                outcome,
                exposure,
            }
        });
        ids.insert(handle.id(), (index, names));
    }
    let mut done = 0;
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, result) = match joined {
            Ok((id, result)) => (id, Ok(result)),
            Err(e) => (e.id(), Err(e.to_string())),
        };
        let Some((index, (region, function))) = ids.remove(&id) else {
            continue;
        };
        let result = result.unwrap_or_else(|e| FunctionResult {
            outcome: Err(FetchError::Archive(format!(
                "{function}: the scan task failed: {e}"
            ))),
            region,
            function,
            exposure: None,
        });
        done += 1;
        each(Finished {
            index,
            done,
            total,
            result,
        });
    }
    Ok(layers)
}

/// [`stream_account`], every result kept and returned in listing order
/// (for callers that need them all; the CLI streams).
pub async fn scan_account(
    options: &AwsOptions,
    regions: &[String],
    concurrency: usize,
    downloader: Downloader,
    limits: Limits,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<(Vec<FunctionResult>, Arc<LayerCache>), AccountError> {
    let progress = std::sync::Mutex::new(progress);
    let mut results: Vec<Option<FunctionResult>> = Vec::new();
    let mut listed = |region: &str, functions: usize| {
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        (*p)(Progress::Listed { region, functions });
    };
    let mut each = |f: Finished| {
        if results.len() < f.total {
            results.resize_with(f.total, || None);
        }
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        (*p)(Progress::Done {
            done: f.done,
            total: f.total,
            result: &f.result,
        });
        results[f.index] = Some(f.result);
    };
    let layers = stream_account(
        options,
        regions,
        concurrency,
        downloader,
        limits,
        &mut listed,
        &mut each,
    )
    .await?;
    Ok((results.into_iter().flatten().collect(), layers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusion_tags() {
        assert_eq!(
            exclusion([("InspectorExclusion", "LambdaStandardScanning")]).as_deref(),
            Some("excluded by tag InspectorExclusion=LambdaStandardScanning")
        );
        assert_eq!(exclusion([("InspectorExclusion", "Other")]), None);
        assert_eq!(
            exclusion([("team", "a"), ("lambda-audit:exclude", "")]).as_deref(),
            Some("excluded by tag lambda-audit:exclude=")
        );
        assert_eq!(exclusion([("team", "a")]), None);
    }
}
