//! The prioritisation signals of a finding in words, shared by the
//! renderers for people (table, markdown) and the messages of SARIF.

use crate::findings::Finding;

/// `known exploited (CISA KEV: added 2021-12-10, due 2021-12-24, ransomware: Known)`.
pub(crate) fn kev_text(f: &Finding) -> Option<String> {
    f.priority.kev.as_ref().map(|k| {
        format!(
            "known exploited (CISA KEV: added {}, due {}, ransomware: {})",
            k.date_added, k.due_date, k.known_ransomware_campaign_use
        )
    })
}

/// `EPSS 0.944 (99.9th percentile)`.
pub(crate) fn epss_text(f: &Finding) -> Option<String> {
    f.priority.epss.map(|e| {
        format!(
            "EPSS {:.3} ({:.1}th percentile)",
            e.score,
            e.percentile * 100.0
        )
    })
}

/// `risk 93/100`, then the KEV and EPSS texts and the reachability, joined
/// by `; `.
pub(crate) fn risk_line(f: &Finding) -> String {
    let mut parts = vec![format!("risk {}/100", f.priority.risk.score)];
    parts.extend(kev_text(f));
    parts.extend(epss_text(f));
    if let Some(r) = &f.priority.reachability {
        parts.push(format!("reachability: {}", r.status.as_str()));
    }
    parts.join("; ")
}
