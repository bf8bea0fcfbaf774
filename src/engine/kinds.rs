//! What every rule kind does, and the one list of kinds.
//!
//! A kind is one file in `src/engine/`: its parameters, how they are read from a ruleset (with the line of
//! every problem), how it is judged, and which admin units a proposal touches for it — beside its tests.
//! It is registered by one line in [`rule_kinds!`] below; every dispatch on [`RuleKind`] is generated from
//! that list, so there is no catch-all arm anywhere, and a kind missing any part of [`Kind`] does not
//! compile.

use super::{Context, Verdict};
use crate::model::Tier;
use crate::rules::parse::Reader;
use std::collections::HashSet;

/// What every rule kind does.
pub(crate) trait Kind: Sized {
    /// Its name in ruleset files (`kind = "service_radius"`) and in every output.
    const NAME: &'static str;

    /// Reads its parameters (`[rule.params]`), reporting every problem through `p` with its line; `None`
    /// when any is wrong.
    fn parse(p: &mut Reader) -> Option<Self>;

    /// The share of checked subjects that must pass: all of them unless the kind reads a `target`.
    fn target(&self) -> f64 {
        1.0
    }

    /// What it judges: features unless it says otherwise (and so whether it needs the admin units,
    /// and which of them a proposal touches).
    fn judges(&self) -> Judges<'_> {
        Judges::Features
    }

    /// Whether judging needs the admin units layer: whenever it judges admin units.
    fn needs_admin_units(&self) -> bool {
        !matches!(self.judges(), Judges::Features)
    }

    /// The smallest floor area one site must have under this rule, if it sets one: siting's default for
    /// the candidates it may choose.
    fn single_site_m2(&self) -> Option<f64> {
        None
    }

    /// How far, in metres, the features deciding a subject's verdict may lie from it: a change farther
    /// from a subject than this leaves its verdict as it was. 0 (the default): the verdict rests on the
    /// subject itself, the facilities serving it or its pool, or the admin unit holding it — never on a
    /// feature merely nearby. What an edit is re-judged on (`check::flips_near`) is drawn from it.
    fn reach_m(&self) -> f64 {
        0.0
    }

    /// Judges every subject the kind checks.
    fn judge(&self, cx: &Context) -> Verdict;
}

/// What a kind judges, and so which admin units' figures a proposal can change (plan review).
pub(crate) enum Judges<'a> {
    /// Features (areas, pools, facilities): a proposal's own features are its subjects, no unit is.
    Features,
    /// Admin units, by the counted facilities of these tiers in them: the units where a proposal adds one.
    UnitsHolding(&'a [Tier]),
    /// Every admin unit of some levels: each unit a proposal lands in.
    Units,
    /// Existing residential areas, summed per admin unit: the units holding the proposal's existing areas.
    ExistingAreasByUnit,
}

impl Judges<'_> {
    /// The admin units whose figure a proposal can change.
    fn proposal_units(&self, touched: &Touched) -> HashSet<usize> {
        match self {
            Judges::Features => HashSet::new(),
            Judges::UnitsHolding(tiers) => (touched.holding)(tiers),
            Judges::Units => touched.any.clone(),
            Judges::ExistingAreasByUnit => touched.existing.clone(),
        }
    }
}

/// Where a proposal lands, for [`Judges::proposal_units`]: the admin units holding any of it, those
/// holding its existing areas, and those holding its facilities of some tiers.
pub(crate) struct Touched<'a> {
    pub any: &'a HashSet<usize>,
    pub existing: &'a HashSet<usize>,
    pub holding: &'a dyn Fn(&[Tier]) -> HashSet<usize>,
}

macro_rules! rule_kinds {
    ($($variant:ident($ty:ident) in $module:ident,)+) => {
        $(pub use super::$module::$ty;)+

        /// What a rule checks, with its numbers: one variant per kind of [`rule_kinds!`].
        #[derive(Debug, Clone)]
        pub enum RuleKind {
            $($variant($ty)),+
        }

        impl RuleKind {
            /// Every kind's name, in the list's order.
            pub const NAMES: &'static [&'static str] = &[$(<$ty as Kind>::NAME),+];

            pub fn name(&self) -> &'static str {
                match self { $(RuleKind::$variant(_) => <$ty as Kind>::NAME),+ }
            }

            /// The share of checked subjects that must pass.
            pub fn target(&self) -> f64 {
                match self { $(RuleKind::$variant(p) => p.target()),+ }
            }

            /// Whether judging needs the admin units layer.
            pub fn needs_admin_units(&self) -> bool {
                match self { $(RuleKind::$variant(p) => p.needs_admin_units()),+ }
            }

            /// The kind named `name` with its parameters read by `p`: `None` when no kind has that name,
            /// `Some(None)` when its parameters have problems (reported through `p`).
            pub(crate) fn parse(name: &str, p: &mut Reader) -> Option<Option<RuleKind>> {
                $(if name == <$ty as Kind>::NAME {
                    return Some(<$ty as Kind>::parse(p).map(RuleKind::$variant));
                })+
                None
            }

            /// The smallest floor area one site must have under this rule, if it sets one.
            pub fn single_site_m2(&self) -> Option<f64> {
                match self { $(RuleKind::$variant(p) => p.single_site_m2()),+ }
            }

            /// How far the features deciding a subject's verdict may lie from it, in metres.
            pub fn reach_m(&self) -> f64 {
                match self { $(RuleKind::$variant(p) => p.reach_m()),+ }
            }

            pub(crate) fn proposal_units(&self, touched: &Touched) -> HashSet<usize> {
                match self { $(RuleKind::$variant(p) => p.judges().proposal_units(touched)),+ }
            }

            pub(crate) fn judge(&self, cx: &Context) -> Verdict {
                match self { $(RuleKind::$variant(p) => p.judge(cx)),+ }
            }
        }
    };
}

// The kinds: one line each.
rule_kinds! {
    AreaPerHouseholds(AreaPerHouseholds) in area_per_households,
    ServiceRadius(ServiceRadius) in service_radius,
    TierPresence(TierPresence) in tier_presence,
    FacilityMinArea(FacilityMinArea) in facility_min_area,
    AreaPerPopulation(AreaPerPopulation) in area_per_population,
    SizeByPopulation(SizeByPopulation) in size_by_population,
    BedsPerElderly(BedsPerElderly) in beds_per_elderly,
    NursingBedShare(NursingBedShare) in nursing_bed_share,
    Adjacency(Adjacency) in adjacency,
    SynchronousHandover(SynchronousHandover) in synchronous_handover,
    AttributeShare(AttributeShare) in attribute_share,
}
