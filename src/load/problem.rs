//! Problems found in a dataset: every one is collected and reported together, as geo's
//! `Validation` does for a geometry, so a user fixes a file in one pass.

use std::fmt;

/// How many problems a report lists before it says how many more there are.
pub const SHOWN_PROBLEMS: usize = 50;

/// One thing wrong with the input: which file, which feature, which property, what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    /// `id R-17`, `code 350105001`, `index 4` (a GeoJSON feature with no id) or `line 7` (CSV).
    pub feature: Option<String>,
    pub property: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn file(file: &str, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_string(),
            feature: None,
            property: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(feature) = &self.feature {
            write!(f, ": feature {feature}")?;
        }
        if let Some(property) = &self.property {
            write!(f, ": property \"{property}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// All the problems of one dataset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "数据有误 the dataset has {} problem(s):", self.0.len())?;
        for problem in self.0.iter().take(SHOWN_PROBLEMS) {
            writeln!(f, "  - {problem}")?;
        }
        if self.0.len() > SHOWN_PROBLEMS {
            writeln!(f, "  … 另有 and {} more", self.0.len() - SHOWN_PROBLEMS)?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}
