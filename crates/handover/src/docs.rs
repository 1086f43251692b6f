//! `handover completions SHELL` and `handover man`: shell completions and
//! man pages generated from the clap definitions, so they list exactly the
//! flags `--help` does.

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

/// Write the completion script for `args.shell` to `out`.
pub fn completions(args: &CompletionsArgs, out: &mut impl Write) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "handover", out);
    Ok(ExitCode::SUCCESS)
}

/// Write the man page of `handover` (every subcommand in it) to `out`, or
/// with `--out DIR` one page per command: handover.1, handover-plan.1, ...
pub fn man(args: &ManArgs, out: &mut impl Write) -> Result<ExitCode> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    match &args.out {
        None => {
            // Built as `generate_to` builds it, so each page is named handover-plan etc.
            cmd.build();
            let mut page = vec![];
            clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                clap_mangen::Man::new(sub.clone()).render(&mut page)?;
            }
            out.write_all(&page)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("--out {}: cannot make the folder", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("--out {}: cannot write the man pages", dir.display()))?;
            eprintln!("wrote man pages to {}", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
