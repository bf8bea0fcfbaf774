//! What a finding says to its reader: bilingual, Chinese first, naming what was counted so the figure
//! can be traced.
//!
//! Most findings keep the figures their message is worded from, not its text, and are worded each time
//! they are written: the walking rules fail most of a million-area city, and two million texts of some
//! 200 bytes were a third of a national check's memory and a share of its judging time. A message worded
//! from the same figures is the same text however often it is written.
//!
//! ```
//! use carecircle_core::engine::fixtures::finding;
//! let f = finding();
//! assert_eq!(f.message().to_string(), "距最近的站 812.5米 — nearest station 812.5 m");
//! ```

use super::Finding;
use std::fmt;
use std::sync::Arc;

/// A finding's message: its text, or its rule's wording and the figures it needs beyond the finding's
/// own (its id, name, measured and required figures and the facilities it rests on).
#[derive(Clone)]
pub struct Message(Repr);

#[derive(Clone)]
enum Repr {
    Text(String),
    Deferred {
        wording: Arc<dyn Wording>,
        figures: Figures,
    },
}

/// What a deferred message needs beyond its finding.
#[derive(Debug, Clone, Default)]
pub(crate) struct Figures {
    pub number: f64,
    pub name: Option<Arc<str>>,
}

/// How one rule words its findings; one per rule judged, shared by its findings.
pub(crate) trait Wording: Send + Sync {
    fn word(&self, finding: &Finding, figures: &Figures, out: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// One text said by every finding worded by it.
pub(crate) struct Same(pub String);

impl Wording for Same {
    fn word(&self, _: &Finding, _: &Figures, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        out.write_str(&self.0)
    }
}

impl Message {
    pub(crate) fn text(text: String) -> Message {
        Message(Repr::Text(text))
    }

    pub(crate) fn deferred(wording: Arc<dyn Wording>, figures: Figures) -> Message {
        Message(Repr::Deferred { wording, figures })
    }
}

impl Default for Message {
    fn default() -> Message {
        Message::text(String::new())
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message::text(text.to_string())
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Text(t) => f.debug_tuple("Text").field(t).finish(),
            Repr::Deferred { figures, .. } => f.debug_tuple("Deferred").field(figures).finish(),
        }
    }
}

/// A finding's message as text, worded where it is displayed (`to_string`, `write!`, serde's
/// `collect_str`) with nothing built in between.
#[derive(Clone, Copy)]
pub struct Worded<'a>(pub(super) &'a Finding);

impl fmt::Display for Worded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.message.0 {
            Repr::Text(t) => f.write_str(t),
            Repr::Deferred { wording, figures } => wording.word(self.0, figures, f),
        }
    }
}

impl fmt::Debug for Worded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl PartialEq for Worded<'_> {
    fn eq(&self, other: &Worded<'_>) -> bool {
        self.to_string() == other.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::finding;

    struct Shortfall;

    impl Wording for Shortfall {
        fn word(&self, finding: &Finding, figures: &Figures, out: &mut fmt::Formatter<'_>) -> fmt::Result {
            let name = figures.name.as_deref().unwrap_or("?");
            write!(out, "{} {} by {}", finding.id, name, figures.number)
        }
    }

    #[test]
    fn a_deferred_message_is_worded_from_its_finding_and_figures_each_time() {
        let mut f = finding();
        f.message = Message::deferred(
            Arc::new(Shortfall),
            Figures {
                number: 112.5,
                name: Some("站".into()),
            },
        );
        assert_eq!(f.message().to_string(), "R1 站 by 112.5");
        f.id = "R2".into();
        assert_eq!(f.message().to_string(), "R2 站 by 112.5");
        assert_eq!(format!("{:?}", f.message()), "\"R2 站 by 112.5\"");
    }
}
