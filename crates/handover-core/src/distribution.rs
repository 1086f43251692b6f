//! Distributions for uncertain inputs (MODEL.md, "Uncertainty (Monte Carlo)").
//!
//! Any numeric input may be written as a distribution instead of a number:
//!
//! | cell                          | meaning                                                        |
//! |-------------------------------|----------------------------------------------------------------|
//! | `5` or `fixed(5)`             | always 5                                                       |
//! | `uniform(0.8, 1.2)`           | uniform on `[a, b)`; needs `a < b`                             |
//! | `triangular(2, 3, 6)`         | triangular `(lo, mode, hi)`; needs `lo <= mode <= hi`, `lo < hi` |
//! | `normal(24, 4)`               | normal `(mean, sd)`, truncated to the input's valid range; `sd > 0` |
//! | `lognormal(p05=400, p95=900)` | log-normal through its 5th and 95th percentiles; `0 < p05 < p95` |
//! | `delay(uniform(0, 6))`        | a delay in **months** added to a dated event (`delay(3)`: 3 months) |
//!
//! Names are case-insensitive; spaces are free. Parse errors say what was
//! expected; the data layer adds the file, line and field.
//!
//! **Truncation.** [`Distribution::sample_within`] takes the valid range of the
//! input a distribution is applied to. A `normal` or a `lognormal` (whose
//! upper tail is unbounded) is truncated to that range by *resampling*
//! (rejection): draws outside the range are thrown away and drawn again, so
//! the result has exactly the truncated distribution. After [`MAX_RESAMPLES`]
//! rejections (only for a range holding a negligible share of the mass, which
//! [`Distribution::check_within`] refuses when the mean or median is outside
//! the range) the mean or median clamped to the range is used. Every range is
//! finite: numbers are at most 1e15 in size, delays and lead times at most
//! 1,200 months ([`crate::limits`]), so no draw is ever infinite.
//! The other distributions have a bounded support that
//! [`Distribution::check_within`] checks against the range once; their draws
//! are clamped to the range only as a guard.
//!
//! **Nominal value.** [`Distribution::median`] is the value the deterministic
//! assessment uses for an uncertain input: the median of the (untruncated)
//! distribution.

use rand::Rng;
use rand_distr::{Distribution as _, LogNormal, Normal, Triangular, Uniform};
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// `z` of the standard normal's 95th percentile: `Phi(z) = 0.95`.
pub const Z95: f64 = 1.6448536269514722;

/// Draws of a truncated normal thrown away before falling back to the clamped mean.
pub const MAX_RESAMPLES: u32 = 10_000;

/// A distribution of one uncertain input. See the [module docs](self) for the syntax.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Always this value.
    Fixed(f64),
    /// Uniform on `[a, b)`.
    Uniform {
        /// Lower end.
        a: f64,
        /// Upper end.
        b: f64,
    },
    /// Triangular with its peak at `mode`.
    Triangular {
        /// Least value.
        lo: f64,
        /// Most likely value.
        mode: f64,
        /// Greatest value.
        hi: f64,
    },
    /// Normal, truncated at sampling time to the valid range of its input.
    Normal {
        /// Mean (before truncation).
        mean: f64,
        /// Standard deviation (before truncation), positive.
        sd: f64,
    },
    /// Log-normal given by its 5th and 95th percentiles:
    /// `mu = (ln p05 + ln p95) / 2`, `sigma = (ln p95 - ln p05) / (2 z)` with `z` = [`Z95`].
    LogNormal {
        /// 5th percentile, positive.
        p05: f64,
        /// 95th percentile, above `p05`.
        p95: f64,
    },
    /// A delay in months added to a dated event; the inner distribution is not itself a delay.
    Delay(Box<Distribution>),
}

impl Distribution {
    /// Parse the cell syntax (see the [module docs](self)).
    ///
    /// ```
    /// use handover_core::distribution::Distribution;
    /// assert_eq!(Distribution::parse("uniform(0.8, 1.2)"), Ok(Distribution::Uniform { a: 0.8, b: 1.2 }));
    /// assert_eq!(Distribution::parse("5"), Ok(Distribution::Fixed(5.0)));
    /// assert!(Distribution::parse("normal(24, 0)").unwrap_err().contains("sd > 0"));
    /// ```
    pub fn parse(text: &str) -> Result<Distribution, String> {
        let mut p = Parser {
            src: text,
            pos: 0,
            depth: 0,
        };
        let d = p.distribution()?;
        p.skip_ws();
        if p.pos < p.src.len() {
            return Err(format!(
                "unexpected `{}` after `{}` in `{text}`",
                &p.src[p.pos..],
                p.src[..p.pos].trim()
            ));
        }
        Ok(d)
    }

    /// The numbers it is written with.
    pub fn parameters(&self) -> Vec<f64> {
        match *self {
            Distribution::Fixed(x) => vec![x],
            Distribution::Uniform { a, b } => vec![a, b],
            Distribution::Triangular { lo, mode, hi } => vec![lo, mode, hi],
            Distribution::Normal { mean, sd } => vec![mean, sd],
            Distribution::LogNormal { p05, p95 } => vec![p05, p95],
            Distribution::Delay(ref inner) => inner.parameters(),
        }
    }

    /// Whether this is a `delay(...)`.
    pub fn is_delay(&self) -> bool {
        matches!(self, Distribution::Delay(_))
    }

    /// The distribution of the number itself: the inner one of a delay, else `self`.
    pub fn value(&self) -> &Distribution {
        match self {
            Distribution::Delay(inner) => inner,
            d => d,
        }
    }

    /// Whether every draw is the same value.
    pub fn is_fixed(&self) -> bool {
        matches!(self.value(), Distribution::Fixed(_))
    }

    /// `(mu, sigma)` of the underlying normal of a log-normal; `None` for other kinds.
    pub fn lognormal_params(&self) -> Option<(f64, f64)> {
        match *self {
            Distribution::LogNormal { p05, p95 } => {
                let (l, h) = (p05.ln(), p95.ln());
                Some(((l + h) / 2.0, (h - l) / (2.0 * Z95)))
            }
            _ => None,
        }
    }

    /// The median, the nominal value used by the deterministic assessment.
    ///
    /// For `normal` this is the mean before truncation; for a delay, the inner
    /// distribution's median in months.
    pub fn median(&self) -> f64 {
        match *self {
            Distribution::Fixed(x) => x,
            Distribution::Uniform { a, b } => a + (b - a) / 2.0,
            Distribution::Triangular { lo, mode, hi } => {
                if mode - lo >= hi - mode {
                    lo + ((hi - lo) * (mode - lo) / 2.0).sqrt()
                } else {
                    hi - ((hi - lo) * (hi - mode) / 2.0).sqrt()
                }
            }
            Distribution::Normal { mean, .. } => mean,
            Distribution::LogNormal { p05, p95 } => (p05 * p95).sqrt(),
            Distribution::Delay(ref inner) => inner.median(),
        }
    }

    /// The range draws can fall in before truncation: `(least, greatest)`, possibly infinite.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Distribution::Fixed(x) => (x, x),
            Distribution::Uniform { a, b } => (a, b),
            Distribution::Triangular { lo, hi, .. } => (lo, hi),
            Distribution::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Distribution::LogNormal { .. } => (0.0, f64::INFINITY),
            Distribution::Delay(ref inner) => inner.support(),
        }
    }

    /// Check that this distribution suits an input whose valid values are `[lower, upper]`:
    /// a `normal` needs its mean inside (it is truncated to the range), every
    /// other kind needs its whole support inside.
    pub fn check_within(&self, lower: f64, upper: f64) -> Result<(), String> {
        // A distribution built in code, not parsed, is checked as the parser checks.
        for x in self.parameters() {
            if let Some(problem) = crate::limits::number_problem(x) {
                return Err(format!("`{self}`: {problem}"));
            }
        }
        self.validate()?;
        let range = describe_range(lower, upper);
        // `lower` = f64::MIN_POSITIVE stands for "strictly positive".
        let positive = lower > 0.0 && lower <= f64::MIN_POSITIVE;
        match *self.value() {
            Distribution::Normal { mean, .. } => {
                if mean < lower || mean > upper {
                    return Err(format!(
                        "`{self}` has its mean outside the valid range {range}; \
                         a normal is truncated to that range, so its mean must lie in it"
                    ));
                }
            }
            Distribution::LogNormal { p05, .. } => {
                // Positive by construction; its unbounded upper tail is truncated
                // to the range by resampling, so its median must lie in it.
                if p05 < lower && !positive {
                    return Err(format!(
                        "`{self}` can fall below {lower}, the least valid value (valid: {range})"
                    ));
                }
                let median = self.median();
                if median > upper {
                    return Err(format!(
                        "`{self}` has its median {median} above {upper}, the greatest valid value \
                         (valid: {range}); a lognormal is truncated to that range, so its median must lie in it"
                    ));
                }
            }
            _ => {
                let (lo, hi) = self.support();
                if lo < lower {
                    return Err(if positive {
                        format!("`{self}` can be {lo}; valid values are {range}")
                    } else {
                        format!("`{self}` can fall below {lower}, the least valid value (valid: {range})")
                    });
                }
                if hi > upper {
                    return Err(format!(
                        "`{self}` can exceed {upper}, the greatest valid value (valid: {range})"
                    ));
                }
            }
        }
        Ok(())
    }

    /// One draw, not truncated.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sample_within(rng, f64::NEG_INFINITY, f64::INFINITY)
    }

    /// One draw for an input whose valid values are `[lower, upper]`: a `normal`
    /// is truncated by resampling, other draws are clamped (see the [module docs](self)).
    /// A delay draws its inner distribution (months). Allocates nothing.
    pub fn sample_within<R: Rng + ?Sized>(&self, rng: &mut R, lower: f64, upper: f64) -> f64 {
        let x = match *self {
            Distribution::Fixed(x) => x,
            Distribution::Uniform { a, b } => {
                Uniform::new(a, b).expect("validated uniform").sample(rng)
            }
            Distribution::Triangular { lo, mode, hi } => Triangular::new(lo, hi, mode)
                .expect("validated triangular")
                .sample(rng),
            Distribution::Normal { mean, sd } => {
                let n = Normal::new(mean, sd).expect("validated normal");
                truncated(&n, rng, lower, upper, mean)
            }
            Distribution::LogNormal { .. } => {
                let (mu, sigma) = self.lognormal_params().expect("lognormal");
                let n = LogNormal::new(mu, sigma).expect("validated lognormal");
                truncated(&n, rng, lower, upper, self.median())
            }
            Distribution::Delay(ref inner) => inner.sample_within(rng, lower, upper),
        };
        x.clamp(lower, upper)
    }

    /// The value at cumulative probability `u` in `[0, 1)` of the draw that
    /// [`Self::sample_within`] makes: the inverse CDF, of the distribution
    /// truncated to `[lower, upper]` for a `normal` or `lognormal` (which
    /// `sample_within` truncates by resampling: the same conditional
    /// distribution), clamped for the others. A delay takes its inner
    /// distribution. Latin hypercube draws (`forecast --sampling lhs`) map
    /// stratified `u` through it.
    pub fn quantile_within(&self, u: f64, lower: f64, upper: f64) -> f64 {
        use statrs::distribution::{ContinuousCDF, Normal as StdNormal};
        let u = u.clamp(0.0, 1.0);
        // Phi, Phi^-1 of the standard normal.
        let z = StdNormal::standard();
        let truncated = |mean: f64, sd: f64, lo: f64, hi: f64, fallback: f64| {
            let pl = if lo.is_finite() {
                z.cdf((lo - mean) / sd)
            } else {
                0.0
            };
            let pu = if hi.is_finite() {
                z.cdf((hi - mean) / sd)
            } else {
                1.0
            };
            if pu - pl <= f64::EPSILON {
                // As sample_within after MAX_RESAMPLES misses.
                return fallback;
            }
            let p = (pl + u * (pu - pl)).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON);
            mean + sd * z.inverse_cdf(p)
        };
        let x = match *self {
            Distribution::Fixed(x) => x,
            Distribution::Uniform { a, b } => a + u * (b - a),
            Distribution::Triangular { lo, mode, hi } => {
                let w = hi - lo;
                if u < (mode - lo) / w {
                    lo + (u * w * (mode - lo)).sqrt()
                } else {
                    hi - ((1.0 - u) * w * (hi - mode)).sqrt()
                }
            }
            Distribution::Normal { mean, sd } => truncated(mean, sd, lower, upper, mean),
            Distribution::LogNormal { .. } => {
                let (mu, sigma) = self.lognormal_params().expect("lognormal");
                let lo = if lower > 0.0 {
                    lower.ln()
                } else {
                    f64::NEG_INFINITY
                };
                let hi = if upper.is_finite() {
                    upper.ln()
                } else {
                    f64::INFINITY
                };
                truncated(mu, sigma, lo, hi, self.median().ln()).exp()
            }
            Distribution::Delay(ref inner) => inner.quantile_within(u, lower, upper),
        };
        x.clamp(lower, upper)
    }

    fn validate(&self) -> Result<(), String> {
        match *self {
            Distribution::Fixed(_) => Ok(()),
            Distribution::Uniform { a, b } => {
                if a < b {
                    Ok(())
                } else {
                    Err(format!("uniform(a, b) needs a < b; got `{self}`"))
                }
            }
            Distribution::Triangular { lo, mode, hi } => {
                if mode < lo {
                    Err(format!(
                        "triangular(lo, mode, hi) needs lo <= mode; got `{self}` with mode {mode} below lo {lo}"
                    ))
                } else if mode > hi {
                    Err(format!(
                        "triangular(lo, mode, hi) needs mode <= hi; got `{self}` with mode {mode} above hi {hi}"
                    ))
                } else if lo >= hi {
                    Err(format!(
                        "triangular(lo, mode, hi) needs lo < hi; got `{self}` (for a single value write fixed({lo}))"
                    ))
                } else {
                    Ok(())
                }
            }
            Distribution::Normal { sd, .. } => {
                if sd > 0.0 {
                    Ok(())
                } else {
                    Err(format!(
                        "normal(mean, sd) needs sd > 0; got `{self}` (for a single value write fixed(...))"
                    ))
                }
            }
            Distribution::LogNormal { p05, p95 } => {
                if p05 <= 0.0 {
                    Err(format!(
                        "lognormal(p05=.., p95=..) needs 0 < p05; got `{self}`"
                    ))
                } else if p05 >= p95 {
                    Err(format!(
                        "lognormal(p05=.., p95=..) needs p05 < p95; got `{self}`"
                    ))
                } else {
                    Ok(())
                }
            }
            Distribution::Delay(ref inner) => inner.validate(),
        }
    }
}

/// A draw of `d` within `[lower, upper]` by resampling; `fallback` after
/// [`MAX_RESAMPLES`] draws outside (see the [module docs](self)).
fn truncated<R: Rng + ?Sized>(
    d: &impl rand_distr::Distribution<f64>,
    rng: &mut R,
    lower: f64,
    upper: f64,
    fallback: f64,
) -> f64 {
    for _ in 0..MAX_RESAMPLES {
        let x = d.sample(rng);
        if (lower..=upper).contains(&x) {
            return x;
        }
    }
    fallback
}

fn describe_range(lower: f64, upper: f64) -> String {
    // The bound on every number is stated on its own (limits::MAX_MAGNITUDE).
    let upper = if upper >= crate::limits::MAX_MAGNITUDE {
        f64::INFINITY
    } else {
        upper
    };
    if lower > 0.0 && lower <= f64::MIN_POSITIVE {
        return if upper.is_finite() {
            format!("> 0 and <= {upper}")
        } else {
            "> 0".to_string()
        };
    }
    match (lower.is_finite(), upper.is_finite()) {
        (true, true) => format!("[{lower}, {upper}]"),
        (true, false) => format!(">= {lower}"),
        (false, true) => format!("<= {upper}"),
        (false, false) => "any number".to_string(),
    }
}

impl fmt::Display for Distribution {
    /// The canonical cell syntax; parses back to the same distribution.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Distribution::Fixed(x) => write!(f, "fixed({x})"),
            Distribution::Uniform { a, b } => write!(f, "uniform({a}, {b})"),
            Distribution::Triangular { lo, mode, hi } => {
                write!(f, "triangular({lo}, {mode}, {hi})")
            }
            Distribution::Normal { mean, sd } => write!(f, "normal({mean}, {sd})"),
            Distribution::LogNormal { p05, p95 } => write!(f, "lognormal(p05={p05}, p95={p95})"),
            Distribution::Delay(inner) => write!(f, "delay({inner})"),
        }
    }
}

impl FromStr for Distribution {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Distribution::parse(s)
    }
}

impl Serialize for Distribution {
    /// Serialised as its cell syntax, e.g. `"uniform(0.8, 1.2)"`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

const NAMES: &str = "fixed, uniform, triangular, normal, lognormal or delay";

/// An argument: `value` or `key=value`.
struct Arg<'a> {
    key: Option<&'a str>,
    value: f64,
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: u32,
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        let rest = &self.src[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// A run of characters that can make up a name or a number.
    fn token(&mut self) -> &'a str {
        self.skip_ws();
        let rest = &self.src[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_')))
            .unwrap_or(rest.len());
        self.pos += len;
        &rest[..len]
    }

    fn number(&self, tok: &str, what: &str) -> Result<f64, String> {
        match tok.parse::<f64>() {
            Ok(x) if x.is_finite() && x.abs() > crate::limits::MAX_MAGNITUDE => Err(format!(
                "{what}: `{tok}` is too large; numbers may be at most 1e15 in size"
            )),
            Ok(x) if x.is_finite() => Ok(x),
            Ok(_) => Err(format!("{what}: `{tok}` is not a finite number")),
            Err(_) if tok.is_empty() => Err(format!("{what}: expected a number")),
            Err(_) => Err(format!("{what}: `{tok}` is not a number")),
        }
    }

    fn distribution(&mut self) -> Result<Distribution, String> {
        self.skip_ws();
        if self.pos >= self.src.len() {
            return Err(format!(
                "expected a number or a distribution ({NAMES}), found nothing"
            ));
        }
        let start = self.pos;
        let tok = self.token();
        if tok.is_empty() {
            return Err(format!(
                "expected a number or a distribution ({NAMES}), found `{}`",
                &self.src[start..]
            ));
        }
        if tok.parse::<f64>().is_ok()
            || tok.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))
        {
            return Ok(Distribution::Fixed(self.number(tok, "a fixed value")?));
        }
        let name = tok.to_ascii_lowercase();
        let known = [
            "fixed",
            "uniform",
            "triangular",
            "normal",
            "lognormal",
            "delay",
        ];
        if !known.contains(&name.as_str()) {
            return Err(format!(
                "unknown distribution `{tok}`; expected a number or one of {NAMES}"
            ));
        }
        let usage = match name.as_str() {
            "fixed" => "fixed(x)",
            "uniform" => "uniform(a, b)",
            "triangular" => "triangular(lo, mode, hi)",
            "normal" => "normal(mean, sd)",
            "lognormal" => "lognormal(p05=.., p95=..)",
            _ => "delay(<months or distribution>)",
        };
        if !self.eat('(') {
            return Err(format!("expected `(` after `{tok}`; write {usage}"));
        }
        let d = if name == "delay" {
            if self.depth > 0 {
                return Err("a delay cannot contain another delay".to_string());
            }
            self.depth += 1;
            let inner = self.distribution()?;
            self.depth -= 1;
            Distribution::Delay(Box::new(inner))
        } else {
            let args = self.args(usage)?;
            self.build(&name, usage, &args)?
        };
        if !self.eat(')') {
            let rest = self.src[self.pos..].trim();
            return Err(if rest.is_empty() {
                format!(
                    "missing `)` at the end of `{}`; write {usage}",
                    self.src.trim()
                )
            } else {
                format!("expected `)` in {usage}, found `{rest}`")
            });
        }
        d.validate()?;
        Ok(d)
    }

    /// Comma-separated arguments up to (not including) `)`.
    fn args(&mut self, usage: &str) -> Result<Vec<Arg<'a>>, String> {
        let mut args = vec![];
        self.skip_ws();
        if self.peek() == Some(')') {
            return Ok(args);
        }
        loop {
            let tok = self.token();
            let (key, tok) = if self.eat('=') {
                (Some(tok), self.token())
            } else {
                (None, tok)
            };
            if tok.is_empty() {
                let rest = self.src[self.pos..].trim();
                return Err(if rest.is_empty() {
                    format!("{usage}: expected a number, found the end; missing `)`?")
                } else {
                    format!("{usage}: expected a number, found `{rest}`")
                });
            }
            let value = self.number(tok, usage)?;
            args.push(Arg { key, value });
            if !self.eat(',') {
                return Ok(args);
            }
        }
    }

    fn build(&self, name: &str, usage: &str, args: &[Arg]) -> Result<Distribution, String> {
        if name == "lognormal" {
            let mut p05 = None;
            let mut p95 = None;
            for a in args {
                match a.key.map(|k| k.to_ascii_lowercase()).as_deref() {
                    Some("p05") if p05.is_none() => p05 = Some(a.value),
                    Some("p95") if p95.is_none() => p95 = Some(a.value),
                    _ => {
                        return Err(format!(
                            "lognormal takes two named percentiles, e.g. lognormal(p05=400, p95=900); got `{}`",
                            self.src.trim()
                        ))
                    }
                }
            }
            return match (p05, p95) {
                (Some(p05), Some(p95)) => Ok(Distribution::LogNormal { p05, p95 }),
                _ => Err(format!(
                    "lognormal needs both p05= and p95=, e.g. lognormal(p05=400, p95=900); got `{}`",
                    self.src.trim()
                )),
            };
        }
        if let Some(a) = args.iter().find(|a| a.key.is_some()) {
            return Err(format!(
                "{usage} takes plain numbers, not `{}=`",
                a.key.unwrap_or_default()
            ));
        }
        let want = match name {
            "fixed" => 1,
            "uniform" | "normal" => 2,
            _ => 3,
        };
        if args.len() != want {
            return Err(format!(
                "{usage} takes {want} number{}, got {}",
                if want == 1 { "" } else { "s" },
                args.len()
            ));
        }
        let v: Vec<f64> = args.iter().map(|a| a.value).collect();
        Ok(match name {
            "fixed" => Distribution::Fixed(v[0]),
            "uniform" => Distribution::Uniform { a: v[0], b: v[1] },
            "normal" => Distribution::Normal {
                mean: v[0],
                sd: v[1],
            },
            _ => Distribution::Triangular {
                lo: v[0],
                mode: v[1],
                hi: v[2],
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn p(s: &str) -> Distribution {
        Distribution::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> String {
        Distribution::parse(s).expect_err(s)
    }

    #[test]
    fn parses_every_kind() {
        assert_eq!(p("5"), Distribution::Fixed(5.0));
        assert_eq!(p(" -2.5e1 "), Distribution::Fixed(-25.0));
        assert_eq!(p("fixed(5)"), Distribution::Fixed(5.0));
        assert_eq!(
            p("uniform(0.8, 1.2)"),
            Distribution::Uniform { a: 0.8, b: 1.2 }
        );
        assert_eq!(
            p("Triangular( 2,3 , 6 )"),
            Distribution::Triangular {
                lo: 2.0,
                mode: 3.0,
                hi: 6.0
            }
        );
        assert_eq!(
            p("normal(24, 4)"),
            Distribution::Normal {
                mean: 24.0,
                sd: 4.0
            }
        );
        assert_eq!(
            p("lognormal(p95=900, p05=400)"),
            Distribution::LogNormal {
                p05: 400.0,
                p95: 900.0
            }
        );
        assert_eq!(
            p("delay(uniform(0, 6))"),
            Distribution::Delay(Box::new(Distribution::Uniform { a: 0.0, b: 6.0 }))
        );
        assert_eq!(
            p("delay(3)"),
            Distribution::Delay(Box::new(Distribution::Fixed(3.0)))
        );
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "fixed(5)",
            "uniform(0.8, 1.2)",
            "triangular(2, 3, 6)",
            "normal(24, 4)",
            "lognormal(p05=400, p95=900)",
            "delay(triangular(0, 3, 12))",
        ] {
            assert_eq!(p(s).to_string(), s);
            assert_eq!(p(&p(s).to_string()), p(s));
        }
    }

    #[test]
    fn bad_specs_say_what_was_expected() {
        let cases = [
            ("lognormal(p05=900, p95=400)", "p05 < p95"),
            ("lognormal(p05=400, p95=400)", "p05 < p95"),
            ("lognormal(p05=0, p95=400)", "0 < p05"),
            ("lognormal(p05=400)", "needs both p05= and p95="),
            ("lognormal(400, 900)", "two named percentiles"),
            ("normal(24, 0)", "sd > 0"),
            ("normal(24, -1)", "sd > 0"),
            ("triangular(4, 3, 6)", "lo <= mode"),
            ("triangular(2, 7, 6)", "mode <= hi"),
            ("triangular(2, 2, 2)", "lo < hi"),
            ("uniform(2, 1)", "a < b"),
            ("uniform(1, 1)", "a < b"),
            ("gamma(2, 3)", "unknown distribution `gamma`"),
            ("uniform(0.8, 1.2", "missing `)`"),
            ("uniform(0.8, ", "missing `)`"),
            ("uniform 0.8, 1.2", "expected `(` after `uniform`"),
            ("uniform(0.8)", "takes 2 numbers, got 1"),
            ("triangular(1, 2, 3, 4)", "takes 3 numbers, got 4"),
            ("uniform(a, 2)", "`a` is not a number"),
            ("uniform(a=1, b=2)", "takes plain numbers"),
            ("normal(inf, 1)", "not a finite number"),
            ("NaN", "not a finite number"),
            ("", "found nothing"),
            ("delay(delay(1))", "cannot contain another delay"),
            ("uniform(1, 2) x", "unexpected `x`"),
            ("5 months", "unexpected `months`"),
        ];
        for (spec, want) in cases {
            let e = err(spec);
            assert!(e.contains(want), "`{spec}` gave `{e}`, expected `{want}`");
        }
    }

    #[test]
    fn medians() {
        assert_eq!(p("fixed(3)").median(), 3.0);
        assert_eq!(p("uniform(2, 4)").median(), 3.0);
        assert_eq!(p("normal(24, 4)").median(), 24.0);
        assert!((p("lognormal(p05=400, p95=900)").median() - 600.0).abs() < 1e-9);
        // Symmetric triangular: the mode. Right-skewed (0, 0, 1): 1 - sqrt(1/2).
        assert!((p("triangular(2, 3, 4)").median() - 3.0).abs() < 1e-12);
        assert!((p("triangular(0, 0, 1)").median() - (1.0 - 0.5f64.sqrt())).abs() < 1e-12);
        assert!((p("triangular(0, 1, 1)").median() - 0.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(p("delay(uniform(0, 6))").median(), 3.0);
    }

    #[test]
    fn quantiles_invert_the_distributions() {
        let inf = f64::INFINITY;
        let q = |d: &str, u: f64| {
            Distribution::parse(d)
                .unwrap()
                .quantile_within(u, -inf, inf)
        };
        assert_eq!(q("5", 0.3), 5.0);
        assert_eq!(q("uniform(10, 20)", 0.25), 12.5);
        // triangular(0, 0, 24): P(x < t) = 1 - ((24 - t) / 24)^2, so the
        // median is 24 (1 - sqrt(0.5)).
        assert!((q("triangular(0, 0, 24)", 0.5) - 24.0 * (1.0 - 0.5f64.sqrt())).abs() < 1e-12);
        assert!((q("triangular(0, 10, 10)", 0.25) - 5.0).abs() < 1e-12);
        assert!((q("normal(24, 3)", 0.5) - 24.0).abs() < 1e-9);
        assert!((q("normal(0, 1)", 0.975) - 1.959963984540054).abs() < 1e-6);
        let ln = Distribution::parse("lognormal(p05=10, p95=40)").unwrap();
        assert!((ln.quantile_within(0.05, -inf, inf) - 10.0).abs() < 1e-6);
        assert!((ln.quantile_within(0.95, -inf, inf) - 40.0).abs() < 1e-6);
        assert!((ln.quantile_within(0.5, -inf, inf) - ln.median()).abs() < 1e-9);
        // Truncated to [0, inf): the normal(0, 1)'s median there is Phi^-1(0.75).
        let n = Distribution::parse("normal(0, 1)").unwrap();
        assert!((n.quantile_within(0.5, 0.0, inf) - 0.6744897501960817).abs() < 1e-6);
        assert!(n.quantile_within(0.0, 0.0, inf) >= 0.0);
        // Monotone, within the bounds.
        let t = Distribution::parse("triangular(2, 5, 9)").unwrap();
        let mut last = f64::NEG_INFINITY;
        for k in 0..=100 {
            let x = t.quantile_within(k as f64 / 100.0, 3.0, 8.0);
            assert!(x >= last && (3.0..=8.0).contains(&x), "{k}: {x}");
            last = x;
        }
        assert_eq!(q("delay(uniform(0, 12))", 0.5), 6.0);
    }

    #[test]
    fn samples_match_their_distribution() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 40_000;
        let frac_below = |d: &Distribution, x: f64, rng: &mut ChaCha8Rng| {
            (0..n).filter(|_| d.sample(rng) <= x).count() as f64 / n as f64
        };
        // 4 standard errors of a proportion near 0.5 at n = 40,000 is 0.01.
        let tol = 0.01;
        let ln = p("lognormal(p05=400, p95=900)");
        assert!((frac_below(&ln, 400.0, &mut rng) - 0.05).abs() < tol);
        assert!((frac_below(&ln, 900.0, &mut rng) - 0.95).abs() < tol);
        assert!((frac_below(&ln, 600.0, &mut rng) - 0.5).abs() < tol);
        let tri = p("triangular(2, 3, 6)");
        // F(3) = (3-2)^2 / ((6-2)(3-2)) = 0.25.
        assert!((frac_below(&tri, 3.0, &mut rng) - 0.25).abs() < tol);
        let u = p("uniform(0.8, 1.2)");
        assert!((frac_below(&u, 0.9, &mut rng) - 0.25).abs() < tol);
        let nrm = p("normal(24, 4)");
        assert!((frac_below(&nrm, 24.0, &mut rng) - 0.5).abs() < tol);
        assert_eq!(p("fixed(5)").sample(&mut rng), 5.0);
    }

    #[test]
    fn normal_is_truncated_by_resampling() {
        // normal(0, 1) on [0, inf): the half-normal, median 0.6745.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let d = p("normal(0, 1)");
        let n = 40_000;
        let xs: Vec<f64> = (0..n)
            .map(|_| d.sample_within(&mut rng, 0.0, f64::INFINITY))
            .collect();
        assert!(xs.iter().all(|x| *x >= 0.0));
        let below = xs.iter().filter(|x| **x <= 0.6744897501960817).count() as f64 / n as f64;
        assert!((below - 0.5).abs() < 0.01, "{below}");
        // Not clamped: no mass piles up at the bound.
        assert!(xs.iter().filter(|x| **x == 0.0).count() < 3);
    }

    #[test]
    fn check_within_the_valid_range() {
        assert!(p("normal(24, 40)").check_within(0.0, f64::INFINITY).is_ok());
        assert!(p("normal(-1, 4)")
            .check_within(0.0, f64::INFINITY)
            .unwrap_err()
            .contains("mean outside"));
        assert!(p("uniform(-1, 4)")
            .check_within(0.0, f64::INFINITY)
            .unwrap_err()
            .contains("below 0"));
        assert!(p("lognormal(p05=1, p95=2)")
            .check_within(0.0, f64::INFINITY)
            .is_ok());
        assert!(p("triangular(0, 1, 2)")
            .check_within(0.0, 1.5)
            .unwrap_err()
            .contains("exceed 1.5"));
        let pos = f64::MIN_POSITIVE;
        assert!(p("lognormal(p05=1, p95=2)")
            .check_within(pos, f64::INFINITY)
            .is_ok());
        assert_eq!(
            p("uniform(0, 2)")
                .check_within(pos, f64::INFINITY)
                .unwrap_err(),
            "`uniform(0, 2)` can be 0; valid values are > 0"
        );
        assert!(p("delay(uniform(-3, 3))")
            .check_within(f64::NEG_INFINITY, f64::INFINITY)
            .is_ok());
    }
}
