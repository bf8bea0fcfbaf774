//! Problems found in a TOML input file — a ruleset, a task-decomposition plan — each with its line.

use std::fmt;

/// Which kind of TOML file the problems are in, for the heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TomlFile {
    Ruleset,
    Plan,
}

/// Everything wrong with one file.
#[derive(Debug, Clone, PartialEq)]
pub struct TomlFileError {
    pub what: TomlFile,
    pub file: String,
    /// `(line, message)`, line 0 when no line applies.
    pub problems: Vec<(usize, String)>,
}

impl fmt::Display for TomlFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let heading = match self.what {
            TomlFile::Ruleset => "规则文件有误 the ruleset",
            TomlFile::Plan => "任务文件有误 the plan",
        };
        writeln!(f, "{heading} {} has {} problem(s):", self.file, self.problems.len())?;
        for (line, message) in &self.problems {
            if *line > 0 {
                writeln!(f, "  - {} line {line}: {message}", self.file)?;
            } else {
                writeln!(f, "  - {}: {message}", self.file)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for TomlFileError {}
