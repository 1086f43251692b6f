//! Fuzzing on stable Rust, driven by proptest: every reader of user input is
//! fed the bundled files with random edits (cells replaced by odd numbers,
//! dates, distributions and punctuation, characters inserted and deleted),
//! and whatever it accepts goes through the whole engine: validation, the
//! projection, assessments with series, a small forecast, the benchmarks. No
//! input may panic; an input that loads without errors must compute.
//!
//! Targets: the scenario folder (CSV + TOML), the JSON form, triggers.toml
//! and the rule language, distribution cells, and a nation's submission
//! merged into the bundled data. `PROPTEST_CASES` sets the cases per target
//! (default 64; `docs/FORMAT.md`, "Limits", says what is refused).

use handover_core::validate::{errors, validate};
use handover_core::Evaluation;
use handover_data::{bundled_files, from_files, from_json, to_json, LoadError};
use proptest::prelude::*;

/// Odd pieces of text an edit may put in.
const PIECES: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1e15",
    "NaN",
    "inf",
    "4294967296",
    "0000-01-01",
    "1900-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-01-01 + delay(triangular(0, 3, 1e308))",
    "2026-01-01 + delay(fixed(1e15))",
    "2026-01-01 + delay(normal(6, 1e15))",
    "\"uniform(1, 1e308)\"",
    "\"lognormal(p05=1e-300, p95=1e15)\"",
    "\"normal(NaN, 1)\"",
    "\"triangular(5, 1, 2)\"",
    ",",
    "\"",
    "\n",
    "#",
    "(",
    ")",
    "=",
    "[",
    "]]",
    "rel:ZZ",
    "national",
    "EUROPE",
    "US",
    "DE",
    "",
];

/// One edit of a text: replace a field, insert a piece, or delete a run.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace the n-th comma-separated field (counted over the whole text).
    Field(usize, usize),
    /// Insert a piece at a position.
    Insert(usize, usize),
    /// Delete up to 8 bytes at a position.
    Delete(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), 0..PIECES.len()).prop_map(|(a, b)| Edit::Field(a, b)),
        2 => (any::<usize>(), 0..PIECES.len()).prop_map(|(a, b)| Edit::Insert(a, b)),
        1 => (any::<usize>(), 1usize..8).prop_map(|(a, b)| Edit::Delete(a, b)),
    ]
}

/// The char boundary at or before byte `i`.
fn boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut t = text.to_string();
    for e in edits {
        match *e {
            Edit::Field(n, p) => {
                let starts: Vec<usize> = std::iter::once(0)
                    .chain(t.match_indices([',', '\n']).map(|(i, _)| i + 1))
                    .collect();
                let start = starts[n % starts.len()];
                let end = t[start..]
                    .find([',', '\n'])
                    .map(|i| start + i)
                    .unwrap_or(t.len());
                t.replace_range(start..end, PIECES[p]);
            }
            Edit::Insert(at, p) => {
                let at = boundary(&t, at % (t.len() + 1));
                t.insert_str(at, PIECES[p]);
            }
            Edit::Delete(at, n) => {
                let a = boundary(&t, at % (t.len() + 1));
                let b = boundary(&t, a + n);
                t.replace_range(a..b, "");
            }
        }
    }
    t
}

/// Everything the CLI and the service compute on a scenario that loaded
/// without errors.
fn compute(s: &handover_core::Valid) {
    let problems = validate(s);
    assert!(
        errors(&problems).next().is_none(),
        "a loaded scenario has errors: {:?}",
        errors(&problems).next()
    );
    let eval = Evaluation::new(s);
    let cal = eval.model.calendar;
    for at in [s.scenario.start, cal.period_end(cal.periods() as i64 - 1)]
        .into_iter()
        .chain(s.deadlines.iter().map(|d| d.date))
    {
        let _ = eval.assess(s, at, true);
    }
    if let Ok(f) = eval.forecast(s, 32, 3).map(|f| f.run()) {
        let _ = handover_core::trigger::check(s, &eval, &s.triggers, s.scenario.start, Some(&f));
    }
}

/// Load a folder whose file `target` is replaced by `text`.
fn load_folder(target: &str, text: &str) -> Result<handover_data::Loaded, LoadError> {
    let files = bundled_files();
    let names: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
    from_files(
        |n| {
            if n == target {
                Some(text.to_string())
            } else {
                files
                    .iter()
                    .find(|(f, _)| *f == n)
                    .map(|(_, t)| t.to_string())
            }
        },
        &names,
        |n| n.to_string(),
        "fuzzed folder".into(),
    )
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// The scenario folder: any one file of the bundled data edited.
    #[test]
    fn folder_readers(file in 0usize..64, edits in prop::collection::vec(edit(), 1..6)) {
        let files = bundled_files();
        let (name, text) = files[file % files.len()];
        let edited = apply(text, &edits);
        if let Ok(loaded) = load_folder(name, &edited) {
            compute(&loaded.scenario);
        }
    }

    /// The JSON form of the bundled data, edited.
    #[test]
    fn json_reader(edits in prop::collection::vec(edit(), 1..6)) {
        let scenario = handover_data::bundled().unwrap().scenario;
        let json = apply(&to_json(&scenario), &edits);
        if let Ok(loaded) = from_json("fuzzed.json", &json) {
            compute(&loaded.scenario);
        }
    }

    /// Distribution cells and rules, as any text.
    #[test]
    fn distributions_and_rules(text in "[a-z0-9(),.=+ %<>!&|-]{0,40}", edits in prop::collection::vec(edit(), 0..3)) {
        let t = apply(&text, &edits);
        if let Ok(d) = handover_core::distribution::Distribution::parse(&t) {
            // What parses prints back to what parses the same.
            let again = handover_core::distribution::Distribution::parse(&d.to_string());
            prop_assert_eq!(again.as_ref(), Ok(&d));
        }
        let _ = handover_core::rule::Rule::parse(&t);
    }

    /// A nation's submission of an edited bundled table, merged and computed.
    #[test]
    fn submission_merge(file in 0usize..64, nation in 0usize..4, edits in prop::collection::vec(edit(), 1..6)) {
        let current = handover_data::bundled().unwrap().scenario;
        let files = bundled_files();
        let (name, text) = files[file % files.len()];
        let nation = ["DE", "FR", "US", "PL"][nation];
        let upload = vec![(name.to_string(), apply(text, &edits))];
        if let Ok(loaded) = handover_data::submission::merge(&current, nation, &upload, |f| f.to_string()) {
            compute(&loaded.scenario);
        }
    }
}
