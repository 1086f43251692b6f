//! Spending arithmetic: shares of GDP and gaps to a spending target, as the
//! published burden-sharing tables compute them.

/// `amount / gdp`, as a fraction (0.015 = 1.5 %); `None` if GDP is not positive.
pub fn share_of_gdp(amount: f64, gdp: f64) -> Option<f64> {
    (gdp > 0.0).then(|| amount / gdp)
}

/// The GDP implied by spending `amount` at `share` of GDP (a fraction).
pub fn implied_gdp(amount: f64, share: f64) -> Option<f64> {
    (share > 0.0).then(|| amount / share)
}

/// Extra spending needed to go from `current` to `target` share of `gdp`
/// (fractions); zero when already there.
pub fn gap_to_target(gdp: f64, current: f64, target: f64) -> f64 {
    ((target - current) * gdp).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_gaps_by_hand() {
        assert_eq!(share_of_gdp(250.0, 0.0), None);
        assert!((share_of_gdp(1.0, 4.0).unwrap() - 0.25).abs() < 1e-15);
        assert!((implied_gdp(381.0, 0.021).unwrap() - 18_142.857).abs() < 1e-3);
        assert!((gap_to_target(100.0, 0.02, 0.035) - 1.5).abs() < 1e-12);
        assert_eq!(gap_to_target(100.0, 0.04, 0.035), 0.0);
    }
}
