//! Reading and writing handover scenarios: a folder of `scenario.toml` plus CSV
//! tables, or one JSON document (docs/FORMAT.md); and the bundled public
//! dataset, embedded in the binary.
//!
//! Every problem names the file, line and field; nothing is returned until the
//! whole scenario is clean.
#![warn(missing_docs)]

pub mod diff;
pub mod submission;
pub mod table;
pub mod tables;
pub mod text;
pub mod toml_file;
pub mod triggers_file;

use handover_core::scenario::{Origin, Scenario};
use handover_core::validate::{Declared, Problem, Severity};
use handover_core::Valid;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

mod bundled_files {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// The scenario file format name in JSON documents.
pub const JSON_FORMAT: &str = "handover-scenario";
/// The JSON document version this build writes and reads.
pub const JSON_VERSION: u32 = 1;

/// A scenario that passed validation, with its warnings.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The scenario, validated.
    pub scenario: Valid,
    /// Warnings (e.g. a figure without a source).
    pub warnings: Vec<Problem>,
    /// Where it came from, for messages.
    pub label: String,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The scenario has problems; nothing was computed.
    #[error("{}", ProblemList(.0))]
    Invalid(Vec<Problem>),
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self
            .0
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        write!(
            f,
            "scenario has {n} problem{}",
            if n == 1 { "" } else { "s" }
        )?;
        for p in self.0.iter().filter(|p| p.severity == Severity::Error) {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

/// Validate a scenario as read, after `problems` found while reading it; the
/// scenario is returned only when there is no error. `label` names it.
pub(crate) fn finish(
    scenario: Scenario,
    mut problems: Vec<Problem>,
    declared: &Declared,
    label: String,
) -> Result<Loaded, LoadError> {
    // Semantic rules run even after parse errors, so one pass reports all;
    // a row that failed to parse is not reported twice.
    let failed_rows: std::collections::HashSet<(String, Option<usize>)> =
        problems.iter().map(|p| (p.file.clone(), p.line)).collect();
    let (valid, found) = match Valid::check_with(scenario, declared) {
        Ok((v, warnings)) => (Some(v), warnings),
        Err(all) => (None, all),
    };
    problems.extend(
        found
            .into_iter()
            .filter(|p| p.line.is_none() || !failed_rows.contains(&(p.file.clone(), p.line))),
    );
    match valid {
        Some(scenario) if !problems.iter().any(|p| p.severity == Severity::Error) => Ok(Loaded {
            scenario,
            warnings: problems,
            label,
        }),
        _ => Err(LoadError::Invalid(problems)),
    }
}

/// Read a scenario from files: `text(name)` gives a file's contents, `names`
/// lists the files present, `label(name)` is how errors name a file.
pub fn from_files(
    text: impl Fn(&str) -> Option<String>,
    names: &[String],
    label: impl Fn(&str) -> String,
    what: String,
) -> Result<Loaded, LoadError> {
    let mut problems = vec![];
    let known: Vec<&str> = tables::ALL
        .iter()
        .map(|t| t.file)
        .chain([toml_file::FILE, triggers_file::FILE])
        .collect();
    for n in names {
        let is_table = n.ends_with(".csv") || n.ends_with(".toml");
        if is_table && !known.contains(&n.as_str()) && !n.starts_with('.') {
            let hint = handover_core::validate::suggest(n, known.iter().copied());
            problems.push(Problem::error(
                &Origin::line(label(n), 1),
                "",
                format!(
                    "unknown table `{n}`{hint}; expected one of {}",
                    known.join(", ")
                ),
            ));
        }
    }
    let Some(toml_text) = text(toml_file::FILE) else {
        problems.push(Problem::error(
            &Origin::line(label(toml_file::FILE), 1),
            "",
            "missing file; a scenario folder needs scenario.toml (see docs/FORMAT.md)".to_string(),
        ));
        return Err(LoadError::Invalid(problems));
    };
    let no_nations = text(tables::NATIONS.file).is_none();
    if no_nations {
        problems.push(Problem::error(
            &Origin::line(label(tables::NATIONS.file), 1),
            "",
            "missing file; a scenario folder needs nations.csv (see docs/FORMAT.md)".to_string(),
        ));
    }
    let part = match toml_file::parse(&label(toml_file::FILE), &toml_text) {
        Ok(p) => p,
        Err(mut ps) => {
            problems.append(&mut ps);
            return Err(LoadError::Invalid(problems));
        }
    };
    let mut s = Scenario::new(part.settings);
    s.deadlines = part.deadlines;
    s.capabilities = part.capabilities;
    s.requirements = part.requirements;
    s.uncertainty = part.uncertainty;
    s.triggers = part.triggers;
    if let Some(t) = text(triggers_file::FILE) {
        let more = triggers_file::parse(&label(triggers_file::FILE), &t, &mut problems);
        s.triggers.extend(more);
    }
    let declared = tables::read_all(&mut s, &text, &label, &mut problems);
    if no_nations {
        // Every reference to a nation or group would fail: report the cause
        // (and what the tables themselves got wrong), not each knock-on.
        return Err(LoadError::Invalid(problems));
    }
    finish(s, problems, &declared, what)
}

/// Read a scenario folder.
pub fn load_dir(dir: &Path) -> Result<Loaded, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut names = vec![];
    for e in entries {
        let e = e.map_err(|source| LoadError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        if e.path().is_file() {
            names.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    // Read every file up front so an unreadable file is reported, not skipped.
    let mut contents = std::collections::HashMap::new();
    for n in &names {
        let path = dir.join(n);
        if n.ends_with(".csv") || n.ends_with(".toml") {
            let bytes = std::fs::read(&path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            match String::from_utf8(bytes) {
                Ok(t) => {
                    contents.insert(n.clone(), t);
                }
                Err(_) => {
                    return Err(LoadError::Invalid(vec![Problem::error(
                        &Origin::line(path.display().to_string(), 1),
                        "",
                        "not valid UTF-8; save the file as UTF-8",
                    )]))
                }
            }
        }
    }
    from_files(
        |n| contents.get(n).cloned(),
        &names,
        |n| dir.join(n).display().to_string(),
        dir.display().to_string(),
    )
}

/// The whole scenario as one JSON document.
#[derive(Serialize, Deserialize)]
struct Document {
    format: String,
    version: u32,
    #[serde(flatten)]
    scenario: Scenario,
}

/// Deserialises one record of a JSON scenario, for [`json_record_problems`].
struct RecordCheck<'a>(&'a serde_json::Value);

impl handover_core::record::TableVisitor for RecordCheck<'_> {
    type Out = Result<(), (String, String)>;
    fn visit<R: handover_core::record::Record>(self) -> Self::Out {
        json_value_problem::<R>(self.0)
    }
}

/// Why `v` is not a `T`: the path of the field (`quantity`, `date`) and
/// what is wrong with it, the value written included.
fn json_value_problem<T: serde::de::DeserializeOwned>(
    v: &serde_json::Value,
) -> Result<(), (String, String)> {
    match serde_path_to_error::deserialize::<_, T>(v) {
        Ok(_) => Ok(()),
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let pointer = format!("/{}", path.replace('.', "/"));
            let value = v.pointer(&pointer).filter(|_| !path.is_empty());
            let shown = value.map(|x| match x {
                serde_json::Value::String(t) => t.clone(),
                other => other.to_string(),
            });
            let inner = e.inner().to_string();
            // chrono's words for a string that is not a date.
            let not_a_date = [
                "input is out of range",
                "input contains invalid characters",
                "premature end of input",
                "trailing input",
                "input is not enough for unique date and time",
            ]
            .iter()
            .any(|m| inner.starts_with(m));
            let msg = match shown {
                Some(x) if not_a_date => {
                    format!("`{x}` is not a date; expected a calendar date YYYY-MM-DD ({inner})")
                }
                Some(x) => format!("`{x}` is not valid here: {inner}"),
                None => inner,
            };
            Err((path, msg))
        }
    }
}

/// Every record of a JSON scenario that does not read as its table's type,
/// each named by its record path and field, all of them (not the first).
fn json_record_problems(label: &str, doc: &serde_json::Value) -> Vec<Problem> {
    use handover_core::table::TableId;
    let at = |record: String| Origin {
        file: label.to_string(),
        line: None,
        record: Some(record),
        row: None,
    };
    let mut out = vec![];
    if let Some(settings) = doc.get("scenario") {
        if let Err((field, msg)) = json_value_problem::<handover_core::scenario::Settings>(settings)
        {
            out.push(Problem::error(&at("scenario".into()), &field, msg));
        }
    }
    for table in TableId::ALL {
        let Some(rows) = doc.get(table.name()).and_then(|v| v.as_array()) else {
            continue;
        };
        for (i, row) in rows.iter().enumerate() {
            if let Err((field, msg)) = table.visit(RecordCheck(row)) {
                out.push(Problem::error(
                    &at(format!("{}[{i}]", table.name())),
                    &field,
                    msg,
                ));
            }
        }
    }
    if let Some(rows) = doc.get("uncertainty").and_then(|v| v.as_array()) {
        for (i, row) in rows.iter().enumerate() {
            if let Err((field, msg)) =
                json_value_problem::<handover_core::scenario::Uncertainty>(row)
            {
                out.push(Problem::error(
                    &at(format!("uncertainty[{i}]")),
                    &field,
                    msg,
                ));
            }
        }
    }
    out
}

/// Read a scenario from JSON text; `label` names it in errors.
///
/// A syntax error names its line. A record that does not read (a bad date,
/// a string for a number) is named by its record path and field
/// (`orders[0]`, field `date`), every one of them, as the CSV reader does.
pub fn from_json(label: &str, text: &str) -> Result<Loaded, LoadError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let origin = Origin::line(label, e.line());
        LoadError::Invalid(vec![Problem::error(&origin, "", format!("{e}"))])
    })?;
    // Only when the document does not read is each record read on its own,
    // to name every bad one.
    let doc: Document = serde_path_to_error::deserialize(&value).map_err(|e| {
        let mut problems = json_record_problems(label, &value);
        if problems.is_empty() {
            problems.push(Problem::error(
                &Origin::line(label, 1),
                &e.path().to_string(),
                e.inner().to_string(),
            ));
        }
        LoadError::Invalid(problems)
    })?;
    let mut problems = vec![];
    if doc.format != JSON_FORMAT || doc.version != JSON_VERSION {
        problems.push(Problem::error(
            &Origin::line(label, 1),
            "format",
            format!(
                "`{}` version {} is not a scenario this build reads; expected format `{JSON_FORMAT}` version {JSON_VERSION}",
                doc.format, doc.version
            ),
        ));
    }
    let mut s = doc.scenario;
    set_json_origins(&mut s, label);
    finish(s, problems, &Declared::default(), label.to_string())
}

fn set_json_origins(s: &mut Scenario, file: &str) {
    use handover_core::table::{RowRef, TableId};
    let at = |record: String| Origin {
        file: file.to_string(),
        line: None,
        record: Some(record),
        row: None,
    };
    for table in TableId::ALL {
        for (i, o) in s.origins_mut(table).into_iter().enumerate() {
            let row = RowRef::new(table, i);
            *o = at(row.to_string()).of_row(row);
        }
    }
    for (i, u) in s.uncertainty.iter_mut().enumerate() {
        u.origin = at(format!("uncertainty[{i}]"));
    }
}

/// Read a scenario from a folder or a `.json` file.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    if path.is_dir() {
        return load_dir(path);
    }
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    from_json(&path.display().to_string(), &text)
}

/// The bundled public dataset (data/public in the source tree).
pub fn bundled() -> Result<Loaded, LoadError> {
    let files = bundled_files::FILES;
    let names: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
    from_files(
        |n| {
            files
                .iter()
                .find(|(f, _)| *f == n)
                .map(|(_, t)| t.to_string())
        },
        &names,
        |n| format!("<bundled>/{n}"),
        "bundled public dataset".to_string(),
    )
}

/// Earlier releases of the bundled dataset, `(data version, JSON document)`
/// (data/releases; what changed: data/CHANGELOG.md).
pub const RELEASES: &[(&str, &str)] =
    &[("1.0.0", include_str!("../../../data/releases/1.0.0.json"))];

/// A release of the bundled dataset by its data version: the current one
/// (`data_version` of data/public) or an earlier one of [`RELEASES`].
/// `None` if there is no release of that version.
pub fn bundled_release(version: &str) -> Option<Result<Loaded, LoadError>> {
    if let Some((_, text)) = RELEASES.iter().find(|(v, _)| *v == version) {
        return Some(from_json(&format!("bundled data {version}"), text));
    }
    let current = bundled();
    match &current {
        Ok(l) if l.scenario.scenario.data_version.as_deref() == Some(version) => Some(current),
        _ => None,
    }
}

/// The data versions [`bundled_release`] knows, oldest first.
pub fn release_versions() -> Vec<String> {
    let mut v: Vec<String> = RELEASES.iter().map(|(v, _)| v.to_string()).collect();
    if let Ok(l) = bundled() {
        v.extend(l.scenario.scenario.data_version.clone());
    }
    v
}

/// The bundled dataset's files `(name, contents)`, as embedded.
pub fn bundled_files() -> &'static [(&'static str, &'static str)] {
    bundled_files::FILES
}

/// The scenario as one JSON document.
pub fn to_json(s: &Scenario) -> String {
    let doc = Document {
        format: JSON_FORMAT.into(),
        version: JSON_VERSION,
        scenario: s.clone(),
    };
    serde_json::to_string_pretty(&doc).expect("scenario serialises to JSON")
}

/// The scenario as folder files `(name, contents)`.
pub fn to_files(s: &Scenario) -> Vec<(&'static str, String)> {
    let mut files = vec![(toml_file::FILE, toml_file::write(s))];
    files.extend(tables::write_all(s));
    if !s.triggers.is_empty() {
        files.push((triggers_file::FILE, triggers_file::write(s)));
    }
    files
}

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The target exists; data is never overwritten.
    #[error("{0} already exists; choose a new path (handover never overwrites data)")]
    Exists(PathBuf),
    /// An I/O error.
    #[error("cannot write {path}: {cause}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause (in the message, not again as a source).
        cause: std::io::Error,
    },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |cause| WriteError::Io {
        path: path.to_path_buf(),
        cause,
    }
}

/// Write a scenario folder at `dir`, which must not exist. Written to a
/// temporary folder beside it first, then renamed: no partial folder is left.
pub fn write_dir(dir: &Path, s: &Scenario) -> Result<(), WriteError> {
    write_folder(
        dir,
        to_files(s)
            .into_iter()
            .map(|(name, text)| (name.to_string(), text.into_bytes())),
    )
}

/// Write files (paths relative to `dir`, `/`-separated, sub-folders allowed)
/// as a new folder `dir`, which must not exist. Written to a temporary
/// folder beside it first, then renamed: no partial folder is left.
pub fn write_folder(
    dir: &Path,
    files: impl IntoIterator<Item = (String, Vec<u8>)>,
) -> Result<(), WriteError> {
    if dir.exists() {
        return Err(WriteError::Exists(dir.to_path_buf()));
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".handover-export-")
        .tempdir_in(parent)
        .map_err(io(parent))?;
    for (name, bytes) in files {
        let p = tmp.path().join(&name);
        if let Some(sub) = p.parent() {
            std::fs::create_dir_all(sub).map_err(io(sub))?;
        }
        std::fs::write(&p, bytes).map_err(io(&p))?;
    }
    let tmp_path = tmp.keep();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp_path, std::fs::Permissions::from_mode(0o755))
            .map_err(io(&tmp_path))?;
    }
    std::fs::rename(&tmp_path, dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&tmp_path);
        io(dir)(e)
    })
}

/// The scenario's content hash: SHA-256 of its JSON document
/// ([`to_json`]), in hex. Two scenarios with the same figures, sources and
/// distributions have the same hash whatever files they were read from.
pub fn content_hash(s: &Scenario) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(to_json(s).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Write `contents` to `path` atomically (temporary file, then rename).
/// An existing file is replaced only if `overwrite`.
pub fn write_file(path: &Path, contents: &[u8], overwrite: bool) -> Result<(), WriteError> {
    if path.exists() && !overwrite {
        return Err(WriteError::Exists(path.to_path_buf()));
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(WriteError::Io {
            path: path.to_path_buf(),
            cause: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the folder {} does not exist", parent.display()),
            ),
        });
    }
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(|e| io(path)(os_error(e)))?;
    use std::io::Write;
    tmp.write_all(contents).map_err(io(path))?;
    // A temporary file is private (0600); what is written is for the user to
    // share, so it gets a regular file's permissions.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(io(path))?;
    }
    tmp.persist(path).map_err(|e| io(path)(e.error))?;
    Ok(())
}

/// The OS's own words for an I/O error, without the path that `tempfile`
/// adds (the name of a temporary file the user never asked for).
fn os_error(e: std::io::Error) -> std::io::Error {
    if let Some(code) = e.raw_os_error() {
        return std::io::Error::from_raw_os_error(code);
    }
    let text = e.to_string();
    let words = text.split(" at path ").next().unwrap_or(&text).to_string();
    std::io::Error::new(e.kind(), words)
}

/// Why a burden-sharing key file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ShareKeyError {
    /// The file could not be read.
    #[error("cannot read share key {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A row is malformed.
    #[error("{file}:{line}: {message}")]
    Bad {
        /// File as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Read a burden-sharing key: a CSV file with columns `nation,share`
/// (shares are weights, normalised by the planner; other columns are ignored).
pub fn read_share_key(path: &Path) -> Result<Vec<handover_core::plan::ShareRow>, ShareKeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| ShareKeyError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_share_key(&path.display().to_string(), &text)
}

/// Parse a burden-sharing key from CSV text; `file` names it in errors.
pub fn parse_share_key(
    file: &str,
    text: &str,
) -> Result<Vec<handover_core::plan::ShareRow>, ShareKeyError> {
    let bad = |line: usize, message: String| ShareKeyError::Bad {
        file: file.to_string(),
        line,
        message,
    };
    // A simple two-column table: split lines ourselves so line numbers count
    // comment and blank lines as a text editor does.
    let split = |l: &str| -> Vec<String> {
        l.split(',')
            .map(|c| c.trim().trim_matches('"').trim().to_string())
            .collect()
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((hline, header)) = lines.next() else {
        return Err(bad(
            1,
            "empty file; expected a header `nation,share`".into(),
        ));
    };
    let headers = split(header);
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(ni), Some(si)) = (col("nation"), col("share")) else {
        return Err(bad(
            hline,
            format!(
                "header `{}`: expected columns `nation,share`",
                headers.join(",")
            ),
        ));
    };
    let mut rows = vec![];
    for (line, l) in lines {
        let rec = split(l);
        let nation = rec.get(ni).cloned().unwrap_or_default();
        if !handover_core::scenario::is_nation_code(&nation) {
            return Err(bad(
                line,
                format!("field `nation`: `{nation}` is not a nation code; expected two upper-case letters"),
            ));
        }
        let cell = rec.get(si).map(String::as_str).unwrap_or("");
        let share: f64 = cell
            .trim_end_matches('%')
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| {
                bad(
                    line,
                    format!("field `share`: `{cell}` is not a share; expected a number >= 0"),
                )
            })?;
        rows.push(handover_core::plan::ShareRow {
            nation,
            share,
            origin: Origin::line(file, line),
        });
    }
    if rows.is_empty() {
        return Err(bad(
            1,
            "no rows; expected one `nation,share` row per nation".into(),
        ));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from_map(files: &[(&str, &str)]) -> Result<Loaded, LoadError> {
        let map: HashMap<String, String> = files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let names: Vec<String> = map.keys().cloned().collect();
        from_files(
            |n| map.get(n).cloned(),
            &names,
            |n| n.to_string(),
            "test".into(),
        )
    }

    const TOML: &str = "[scenario]\nname = \"t\"\nstart = 2026-01-01\nhorizon = \"2030-12-31\"\n\n[[deadline]]\nid = \"us-2027\"\ndate = 2027-12-31\n\n[[capability]]\nid = \"sam\"\nname = \"SAM\"\nunit = \"units\"\nkind = \"stock\"\n\n[[requirement]]\ncapability = \"sam\"\ntarget = 10\nsource = \"s\"\n";
    const NATIONS: &str = "code,name,groups\nDE,Germany,EUROPE;EU\n";

    #[test]
    fn bundled_dataset_loads_clean_and_every_figure_has_a_source() {
        let l = bundled().expect("bundled data is valid");
        // The only warnings are the headline figures read only through
        // aggregators, the five docs/DATA.md lists ("Known weaknesses").
        let places: Vec<String> = l
            .warnings
            .iter()
            .map(|w| {
                assert!(
                    w.message
                        .starts_with("a headline figure resting only on aggregator sources"),
                    "{w}"
                );
                format!("{}:{}", w.file, w.line.unwrap_or(0))
            })
            .collect();
        assert_eq!(places.len(), 5, "{places:?}");
        assert!(l.scenario.capabilities.len() >= 17);
        assert!(l
            .scenario
            .requirements
            .iter()
            .all(|r| r.provenance.source.is_some()));
    }

    #[test]
    fn dates_as_toml_dates_or_strings_and_defaults() {
        let l = from_map(&[("scenario.toml", TOML), ("nations.csv", NATIONS)]).unwrap();
        let s = &l.scenario;
        assert_eq!(s.scenario.start.to_string(), "2026-01-01");
        assert_eq!(s.scenario.horizon.to_string(), "2030-12-31");
        assert_eq!(s.scenario.europe, "EUROPE");
        assert_eq!(s.scenario.tolerance, 0.10);
        assert_eq!(s.capabilities[0].weight, 1.0);
        assert_eq!(s.capabilities[0].origin.line, Some(10));
        assert_eq!(s.nations[0].groups, vec!["EUROPE", "EU"]);
    }

    #[test]
    fn missing_files_and_bad_cells_are_named() {
        let e = from_map(&[("nations.csv", NATIONS)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("scenario.toml:1: missing file"), "{e}");
        let e = from_map(&[
            ("scenario.toml", TOML),
            ("nations.csv", NATIONS),
            ("holdings.csv", "holder,capability,quantity,releasability,estimate\nDE,sam,\"1,400\",secret,maybe\n"),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("holdings.csv:2: field `quantity`: `1,400` is not a number"),
            "{e}"
        );
        assert!(e.contains("without thousands separators"), "{e}");
        assert!(
            e.contains(
                "holdings.csv:2: field `releasability`: `secret` is not a releasability marking"
            ),
            "{e}"
        );
    }

    #[test]
    fn comments_and_blank_lines_are_skipped_and_lines_still_counted() {
        let l = from_map(&[
            ("scenario.toml", TOML),
            (
                "nations.csv",
                "# who is who\ncode,name,groups\n\nDE,Germany,EUROPE\n",
            ),
            (
                "holdings.csv",
                "holder,capability,quantity,source\n# a comment\nDE,sam,3,x\n",
            ),
        ])
        .unwrap();
        assert_eq!(l.scenario.nations[0].origin.line, Some(4));
        assert_eq!(l.scenario.holdings[0].origin.line, Some(3));
    }

    #[test]
    fn folder_files_round_trip() {
        let l = bundled().unwrap();
        let files = to_files(&l.scenario);
        let map: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let again = from_map(&map).unwrap();
        assert_eq!(to_json(&l.scenario), to_json(&again.scenario));
    }

    #[test]
    fn json_round_trips_and_checks_its_format_tag() {
        let l = bundled().unwrap();
        let text = to_json(&l.scenario);
        let again = from_json("s.json", &text).unwrap();
        assert_eq!(text, to_json(&again.scenario));
        let wrong = text.replacen("handover-scenario", "other", 1);
        assert!(from_json("s.json", &wrong)
            .unwrap_err()
            .to_string()
            .contains("expected format `handover-scenario`"));
        let e = from_json("s.json", "{\"format\": ")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.json:1"), "{e}");
    }

    #[test]
    fn bundled_triggers_load_and_survive_both_round_trips() {
        let l = bundled().unwrap();
        assert!(l.scenario.triggers.len() >= 8);
        assert!(l
            .scenario
            .triggers
            .iter()
            .all(|t| t.rule.expr().is_some() && t.provenance.source.is_some()));
        let files = to_files(&l.scenario);
        assert!(files.iter().any(|(n, _)| *n == triggers_file::FILE));
        let map: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let again = from_map(&map).unwrap();
        assert_eq!(again.scenario.triggers, l.scenario.triggers);
        let json = from_json("s.json", &to_json(&l.scenario)).unwrap();
        assert_eq!(json.scenario.triggers, l.scenario.triggers);
    }

    #[test]
    fn a_bad_rule_names_file_line_and_column_with_a_suggestion() {
        let triggers = "# benchmarks\n[[trigger]]\nid = \"t1\"\nseverity = \"warning\"\naction = \"act\"\nsource = \"s\"\nrule = \"coverage(samm) at us-2027 < 0.5\"\n\n[[trigger]]\nid = \"t2\"\nseverity = \"critical\"\naction = \"act\"\nsource = \"s\"\nrule = \"index at us-2027 <\"\n";
        let e = from_map(&[
            ("scenario.toml", TOML),
            ("nations.csv", NATIONS),
            ("triggers.toml", triggers),
        ])
        .unwrap_err()
        .to_string();
        // `rule = "` is 8 characters: the rule starts in column 9.
        assert!(
            e.contains("triggers.toml:7:18: field `rule`: unknown capability `samm`; expected an id from the capability catalogue; did you mean `sam`?"),
            "{e}"
        );
        assert!(
            e.contains("triggers.toml:14:27: field `rule`: expected a metric"),
            "{e}"
        );
    }

    #[test]
    fn triggers_in_scenario_toml_and_bad_severities() {
        let toml = format!("{TOML}\n[[trigger]]\nid = \"t\"\nrule = \"coverage(sam) < 0.5\"\nseverity = \"info\"\naction = \"a\"\nsource = \"s\"\n");
        let l = from_map(&[("scenario.toml", &toml), ("nations.csv", NATIONS)]).unwrap();
        assert_eq!(l.scenario.triggers.len(), 1);
        assert_eq!(l.scenario.triggers[0].origin.line, Some(21));
        let bad = toml.replace("\"info\"", "\"severe\"");
        let e = from_map(&[("scenario.toml", &bad), ("nations.csv", NATIONS)])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "field `severity`: `severe` is not a severity; expected info, warning or critical"
            ),
            "{e}"
        );
        // A rule with escapes cannot be mapped to a file column: the column
        // within the rule is named instead.
        let escaped = toml.replace("coverage(sam) < 0.5", "coverage(\\u0073mm) < 0.5");
        let e = from_map(&[("scenario.toml", &escaped), ("nations.csv", NATIONS)])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("field `rule`: at column 10 of the rule: unknown capability `smm`"),
            "{e}"
        );
    }

    #[test]
    fn writing_never_overwrites() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("a.json");
        write_file(&f, b"1", false).unwrap();
        assert!(matches!(
            write_file(&f, b"2", false),
            Err(WriteError::Exists(_))
        ));
        assert_eq!(std::fs::read(&f).unwrap(), b"1");
        write_file(&f, b"3", true).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"3");
        let d = tmp.path().join("dir");
        std::fs::create_dir(&d).unwrap();
        let l = bundled().unwrap();
        assert!(matches!(
            write_dir(&d, &l.scenario),
            Err(WriteError::Exists(_))
        ));
        assert_eq!(
            std::fs::read_dir(&d).unwrap().count(),
            0,
            "nothing written into an existing folder"
        );
        // No temporary folders are left behind.
        let leftovers = std::fs::read_dir(tmp.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".handover")
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn a_synthetic_scenario_survives_the_folder_and_json_round_trips() {
        use handover_core::synthetic::{generate, SyntheticSpec};
        let spec: SyntheticSpec = "lines=40,capabilities=9,nations=7,years=6,seed=5"
            .parse()
            .unwrap();
        let s = generate(&spec);
        let files = to_files(&s);
        let map: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let back = from_map(&map).expect("the written folder loads");
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        assert_eq!(to_json(&back.scenario), to_json(&s));
        let again = from_json("s.json", &to_json(&s)).unwrap();
        let (a, b) = (to_json(&again.scenario), to_json(&s));
        let first = a.lines().zip(b.lines()).position(|(x, y)| x != y);
        assert_eq!(
            first,
            None,
            "{:?}",
            first.map(|i| (a.lines().nth(i), b.lines().nth(i)))
        );
        assert_eq!(a, b);
    }

    #[test]
    fn share_key_rows_and_errors_name_file_and_line() {
        let rows = parse_share_key("key.csv", "nation,share\nDE,0.6\n# comment\nFR,40%\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].share, 40.0);
        assert_eq!(rows[1].origin.to_string(), "key.csv:4");
        let e = parse_share_key("key.csv", "nation,share\nDE,abc\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "key.csv:2: field `share`: `abc` is not a share; expected a number >= 0"
        );
        let e = parse_share_key("key.csv", "country,weight\n").unwrap_err();
        assert!(e.to_string().starts_with("key.csv:1: header"), "{e}");
        let e = parse_share_key("key.csv", "nation,share\nGermany,1\n").unwrap_err();
        assert!(e.to_string().contains("key.csv:2: field `nation`"), "{e}");
    }

    #[test]
    fn content_hash_ignores_the_files_and_sees_the_figures() {
        let l = bundled().unwrap();
        let h = content_hash(&l.scenario);
        assert_eq!(h.len(), 64);
        let files = to_files(&l.scenario);
        let map: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        assert_eq!(content_hash(&from_map(&map).unwrap().scenario), h);
        let mut changed = l.scenario.clone().into_inner();
        changed.holdings[0].quantity += 1.0;
        assert_ne!(content_hash(&changed), h);
    }

    #[test]
    fn write_folder_makes_sub_folders_and_never_overwrites() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("out");
        write_folder(
            &d,
            [
                ("a.md".to_string(), b"x".to_vec()),
                ("charts/b.svg".to_string(), b"<svg/>".to_vec()),
            ],
        )
        .unwrap();
        assert_eq!(std::fs::read(d.join("charts/b.svg")).unwrap(), b"<svg/>");
        assert!(matches!(
            write_folder(&d, [("a.md".to_string(), b"y".to_vec())]),
            Err(WriteError::Exists(_))
        ));
        assert_eq!(std::fs::read(d.join("a.md")).unwrap(), b"x");
    }
}
