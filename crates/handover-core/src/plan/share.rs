//! Burden-sharing keys: how each order's cost is split among European nations.

use super::{PlanError, ShareKey};
use crate::economics::implied_gdp;
use crate::scenario::Scenario;

/// GDP of a nation in US$ m: the latest year with GDP, or implied from defence spending and its share of GDP.
pub fn latest_gdp_musd(s: &Scenario, nation: &str) -> Option<f64> {
    s.economics
        .iter()
        .filter(|e| e.nation == nation)
        .filter_map(|e| {
            let gdp = e.gdp_musd.filter(|g| *g > 0.0).or_else(|| {
                implied_gdp(e.defence_musd?, e.defence_pct_gdp? / 100.0).filter(|g| *g > 0.0)
            })?;
            Some((e.year, gdp))
        })
        .max_by_key(|(y, _)| *y)
        .map(|(_, g)| g)
}

/// A nation's row of the key: `(nation, share, GDP US$ m)`.
pub(super) type KeyRow = (String, f64, Option<f64>);

/// European nations a `gdp` key leaves out: no GDP figure, given or implied.
pub(super) fn without_gdp<'a>(s: &Scenario, key: &ShareKey, european: &[&'a str]) -> Vec<&'a str> {
    match key {
        ShareKey::Gdp => european
            .iter()
            .copied()
            .filter(|n| latest_gdp_musd(s, n).is_none())
            .collect(),
        _ => vec![],
    }
}

/// The burden-sharing key and its name.
pub(super) fn share_key(
    s: &Scenario,
    key: &ShareKey,
    european: &[&str],
) -> Result<(Vec<KeyRow>, String), PlanError> {
    let gdp = |n: &str| latest_gdp_musd(s, n);
    let rows: Vec<(String, f64)> = match key {
        ShareKey::Equal => european.iter().map(|n| (n.to_string(), 1.0)).collect(),
        ShareKey::Gdp => {
            let rows: Vec<(String, f64)> = european
                .iter()
                .filter_map(|n| Some((n.to_string(), gdp(n)?)))
                .collect();
            if rows.is_empty() {
                return Err(PlanError::Request(
                    "--share gdp: no European nation has a GDP figure in the economics table; use --share equal or a FILE".into(),
                ));
            }
            rows
        }
        ShareKey::Custom(rows) => {
            let mut out: Vec<(String, f64)> = vec![];
            for r in rows {
                if !s.nations.iter().any(|n| n.code == r.nation) {
                    return Err(PlanError::Request(format!(
                        "{}: field `nation`: unknown nation `{}`; expected a code from nations.csv",
                        r.origin, r.nation
                    )));
                }
                if !(r.share.is_finite() && r.share >= 0.0) {
                    return Err(PlanError::Request(format!(
                        "{}: field `share`: {} is not a share; expected a number >= 0",
                        r.origin, r.share
                    )));
                }
                if out.iter().any(|(n, _)| *n == r.nation) {
                    return Err(PlanError::Request(format!(
                        "{}: field `nation`: `{}` appears twice",
                        r.origin, r.nation
                    )));
                }
                out.push((r.nation.clone(), r.share));
            }
            out
        }
    };
    let sum: f64 = rows.iter().map(|(_, v)| v).sum();
    if sum <= 0.0 {
        return Err(PlanError::Request(
            "the share key's shares sum to zero; expected positive shares".into(),
        ));
    }
    let name = match key {
        ShareKey::Gdp => "gdp".to_string(),
        ShareKey::Equal => "equal".to_string(),
        ShareKey::Custom(rows) => rows
            .first()
            .map(|r| r.origin.file.clone())
            .unwrap_or_else(|| "file".into()),
    };
    let mut out: Vec<(String, f64, Option<f64>)> = rows
        .into_iter()
        .map(|(n, v)| {
            let g = gdp(&n);
            (n, v / sum, g)
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok((out, name))
}
