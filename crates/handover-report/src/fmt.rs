//! Numbers as people read them: thousands separators, percentages, money.

/// A number with thousands separators and up to `decimals` decimals.
pub fn number(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let frac = frac.trim_end_matches('0');
    let sign = if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// A level: whole numbers as such, fractions to one decimal.
pub fn level(x: f64) -> String {
    number(x, if x.abs() >= 100.0 { 0 } else { 1 })
}

/// A share as a percentage with one decimal.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Money in millions or billions.
pub fn money(x: f64, currency: &str) -> String {
    let sym = match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        _ => "",
    };
    let (v, unit) = if x.abs() >= 1e9 {
        (x / 1e9, "bn")
    } else if x.abs() >= 1e6 {
        (x / 1e6, "m")
    } else {
        (x, "")
    };
    let body = format!("{}{unit}", number(v, 1));
    if sym.is_empty() {
        format!("{body} {currency}")
    } else {
        format!("{sym}{body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_thousands_and_trim_zeros() {
        assert_eq!(number(1234567.0, 0), "1,234,567");
        assert_eq!(number(-1234.5, 1), "-1,234.5");
        assert_eq!(number(0.25, 2), "0.25");
        assert_eq!(number(-0.0001, 1), "0");
        assert_eq!(level(2.5), "2.5");
        assert_eq!(level(2359.4), "2,359");
        assert_eq!(pct(0.508), "50.8%");
        assert_eq!(money(21.4e9, "EUR"), "€21.4bn");
        assert_eq!(money(5e6, "SEK"), "5m SEK");
    }
}
