//! No module of any crate depends, directly or through others, on a module
//! that depends back on it: data flows one way (ARCHITECTURE.md).
//!
//! The graph is read from the sources, as `cargo modules dependencies
//! --acyclic` would: module `a` depends on top-level module `b` of the same
//! crate when `a`'s code (not its comments, not its `#[cfg(test)]` part)
//! names `crate::b`. Sub-modules
//! of a folder count as their folder (a cycle between `trigger::eval` and
//! `trigger` is no cycle; one between `trigger` and `scenario` is).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None`: the crate root).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// The code of a file without its tests and comments.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module -> the modules of the same crate it names.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = vec![];
    sources(src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(src, f)).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let Some(m) = module_of(src, f) else { continue };
        // A `tests.rs` file is a module declared `#[cfg(test)] mod tests;`:
        // test code, like a `#[cfg(test)]` part.
        if f.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = code(&std::fs::read_to_string(f).unwrap());
        let deps = g.entry(m.clone()).or_default();
        for other in &modules {
            if *other == m {
                continue;
            }
            let named = text.contains(&format!("crate::{other}::"))
                || text.contains(&format!("crate::{other};"));
            if named {
                deps.insert(other.clone());
            }
        }
    }
    g
}

/// A cycle through `start`, as a path of modules, if there is one.
fn cycle(g: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((m, path)) = stack.pop() {
        for d in g.get(&m).into_iter().flatten() {
            if d == start {
                let mut p = path.clone();
                p.push(d.clone());
                return Some(p);
            }
            if seen.insert(d.clone()) {
                let mut p = path.clone();
                p.push(d.clone());
                stack.push((d.clone(), p));
            }
        }
    }
    None
}

#[test]
fn no_crate_has_a_module_cycle() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cycles = vec![];
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let src = dir.join("src");
        if !src.is_dir() {
            continue;
        }
        let g = graph(&src);
        checked += g.len();
        for m in g.keys() {
            if let Some(c) = cycle(&g, m) {
                cycles.push(format!(
                    "{}: {}",
                    dir.file_name().unwrap().to_string_lossy(),
                    c.join(" -> ")
                ));
            }
        }
    }
    assert!(
        checked > 30,
        "only {checked} modules found under {}",
        crates.display()
    );
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_check_finds_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::B;\npub struct A;\n").unwrap();
    std::fs::write(
        src.join("b.rs"),
        "// crate::a:: in a comment is no use\npub struct B;\n",
    )
    .unwrap();
    let g = graph(src);
    assert!(cycle(&g, "a").is_none());
    std::fs::write(src.join("b.rs"), "pub struct B(crate::a::A);\n").unwrap();
    let g = graph(src);
    assert_eq!(
        cycle(&g, "a"),
        Some(vec!["a".to_string(), "b".to_string(), "a".to_string()])
    );
}
