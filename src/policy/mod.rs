//! A checked, compiled policy: the only form that can decide requests.

pub(crate) mod calendar;
pub(crate) mod document;
pub(crate) mod effective_date;
pub(crate) mod folder;
pub(crate) mod keys;
pub(crate) mod load;
pub(crate) mod warnings;

use std::fmt;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::diagnostic::span::Span;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::language::compiled::Checked;
use crate::language::schema::Schema;
use crate::language::zone::Zone;
use crate::policy::calendar::Calendar;

/// A policy that loaded and type-checked without errors: only [`load`],
/// [`read_policy`] and [`load_set`] make one, so every policy decides.
///
/// [`load`]: crate::load
/// [`read_policy`]: crate::read_policy
/// [`load_set`]: crate::load_set
///
/// ```
/// let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// println!("{} {}: {}", policy.id(), policy.version(), policy.title());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Policy {
    pub(crate) meta: Metadata,
    pub(crate) file: SourceFile,
    /// SHA-256 of the policy file's bytes, in lowercase hex: computed the
    /// first time it is asked for ([`Policy::sha256`]), since checking a
    /// policy does not need it and deciding needs it once.
    pub(crate) sha256: OnceLock<String>,
    pub(crate) schema: Schema,
    pub(crate) derived: Vec<Derived>,
    pub(crate) constraints: Vec<Constraint>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) default: Rule,
    pub(crate) outcome_effects: Vec<(Outcome, Vec<Effect>)>,
    /// What the policy says that is probably not what its owner means
    /// ([`warnings`]); shown by `ruling check`, never an error.
    pub(crate) warnings: Vec<Diagnostic>,
    /// The `[calendar.NAME]` tables, in the order written.
    pub(crate) calendars: Vec<Calendar>,
    /// How a traced batch line names this policy (its `"policy"` object),
    /// written the first time one is, then copied.
    pub(crate) traced_ref: OnceLock<Box<str>>,
}

#[derive(Debug)]
pub(crate) struct Metadata {
    pub(crate) id: String,
    pub(crate) version: String,
    pub(crate) title: String,
    /// The first date this version governs;
    /// [`Metadata::ALWAYS_IN_EFFECT`] when the file states none.
    pub(crate) effective_date: NaiveDate,
    /// The slot of the request field whose date selects the version in effect.
    pub(crate) effective_date_field: Option<usize>,
    /// What the folder does with a request dated before its earliest version.
    pub(crate) before_first_version: folder::BeforeFirstVersion,
    /// The zone in which datetimes count as dates.
    pub(crate) timezone: Zone,
    pub(crate) timezone_name: String,
    pub(crate) source: String,
}

#[derive(Debug)]
pub(crate) struct Derived {
    pub(crate) name: String,
    pub(crate) value: Checked,
    /// Written under `[helpers]`: it exists to compute other values, and
    /// decisions do not list it unless asked to.
    pub(crate) helper: bool,
}

#[derive(Debug)]
pub(crate) struct Constraint {
    pub(crate) id: String,
    pub(crate) must: Checked,
    pub(crate) message: String,
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) id: Arc<str>,
    pub(crate) clause: Arc<str>,
    pub(crate) section: Option<Section>,
    /// `None` for the default, which applies when no rule does.
    pub(crate) when: Option<Checked>,
    pub(crate) outcome: Outcome,
    pub(crate) reason: Template,
    pub(crate) effects: Vec<Effect>,
    /// The findings of `ruling lint` about this rule that are meant: each
    /// finding's code with the reason given (`allow = { gap = "…" }`).
    pub(crate) allow: Vec<(String, String)>,
    /// Where the rule's table starts in the policy file.
    pub(crate) span: Span,
    /// Stands for a `[default]` the file leaves out: `ruling check` proves
    /// that no valid request reaches it, and `decide` refuses one that does.
    pub(crate) implicit: bool,
    /// The start of this rule's entry in a traced batch line (its id,
    /// clause and outcome), written the first time one is, then copied.
    pub(crate) trace_head: OnceLock<Box<str>>,
}

impl Rule {
    /// The start of this rule's entry in a traced batch line, made by
    /// `write` the first time it is asked for.
    pub(crate) fn trace_head(&self, write: impl FnOnce(&Rule) -> Box<str>) -> &str {
        self.trace_head.get_or_init(|| write(self))
    }

    /// The id of the default of a policy that writes no `[default]`.
    pub(crate) const NO_RULE: &'static str = "no-rule";

    /// The default of a policy without `[default]`: no request should reach it.
    pub(crate) fn implicit_default() -> Self {
        Self {
            id: Arc::from(Self::NO_RULE),
            clause: Arc::from(""),
            section: None,
            when: None,
            outcome: Outcome::Review,
            reason: Template::default(),
            effects: Vec::new(),
            allow: Vec::new(),
            span: Span::empty(0),
            implicit: true,
            trace_head: OnceLock::new(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Effect {
    pub(crate) name: String,
    pub(crate) value: Checked,
}

/// A text with `{expression}` placeholders.
#[derive(Debug, Default)]
pub(crate) struct Template {
    pub(crate) parts: Vec<TemplatePart>,
}

#[derive(Debug)]
pub(crate) enum TemplatePart {
    Text(String),
    Value(Checked),
}

/// What a decision decides. Programs branch on it; a new outcome would be
/// a new [`DECISION_FORMAT`](crate::DECISION_FORMAT).
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// match decision.outcome {
///     ruling::Outcome::Approve => println!("refund: {}", decision.reason),
///     ruling::Outcome::Deny => println!("no refund: {}", decision.reason),
///     ruling::Outcome::Review => println!("a person decides"),
///     ruling::Outcome::NeedsInfo => println!("ask for {:?}", decision.missing),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The refund is granted.
    Approve,
    /// The refund is refused.
    Deny,
    /// A person decides.
    Review,
    /// The request lacks something needed to decide.
    NeedsInfo,
}

impl Outcome {
    /// Every outcome, in this order.
    ///
    /// ```
    /// assert_eq!(ruling::Outcome::ALL.len(), 4);
    /// # Ok::<(), ()>(())
    /// ```
    pub const ALL: [Outcome; 4] = [
        Outcome::Approve,
        Outcome::Deny,
        Outcome::Review,
        Outcome::NeedsInfo,
    ];

    /// The outcome as the policy file and JSON write it: `needs_info`.
    ///
    /// ```
    /// assert_eq!(ruling::Outcome::NeedsInfo.keyword(), "needs_info");
    /// # Ok::<(), ()>(())
    /// ```
    pub const fn keyword(self) -> &'static str {
        match self {
            Outcome::Approve => "approve",
            Outcome::Deny => "deny",
            Outcome::Review => "review",
            Outcome::NeedsInfo => "needs_info",
        }
    }

    /// The outcome of a keyword; `None` when it names none.
    ///
    /// ```
    /// assert_eq!(ruling::Outcome::from_keyword("deny"), Some(ruling::Outcome::Deny));
    /// assert_eq!(ruling::Outcome::from_keyword("Deny"), None);
    /// # Ok::<(), ()>(())
    /// ```
    pub fn from_keyword(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.keyword() == text)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// The section of the written policy a rule comes from.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// assert_eq!(decision.rule.section, Some(ruling::Section::Eligibility));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Who and what can be refunded.
    Eligibility,
    /// What a request must give or do.
    Requirement,
    /// Cases refunded although the rules above would not.
    Exception,
    /// Cases never refunded.
    Exclusion,
}

impl Section {
    /// Every section, in this order.
    ///
    /// ```
    /// assert_eq!(ruling::Section::ALL[0], ruling::Section::Eligibility);
    /// # Ok::<(), ()>(())
    /// ```
    pub const ALL: [Section; 4] = [
        Section::Eligibility,
        Section::Requirement,
        Section::Exception,
        Section::Exclusion,
    ];

    /// The section as the policy file and JSON write it.
    ///
    /// ```
    /// assert_eq!(ruling::Section::Exclusion.keyword(), "exclusion");
    /// # Ok::<(), ()>(())
    /// ```
    pub const fn keyword(self) -> &'static str {
        match self {
            Section::Eligibility => "eligibility",
            Section::Requirement => "requirement",
            Section::Exception => "exception",
            Section::Exclusion => "exclusion",
        }
    }

    /// The section of a keyword; `None` when it names none.
    ///
    /// ```
    /// assert_eq!(ruling::Section::from_keyword("exception"), Some(ruling::Section::Exception));
    /// # Ok::<(), ()>(())
    /// ```
    pub fn from_keyword(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|section| section.keyword() == text)
    }
}

impl Metadata {
    /// The effective date of a version that states none: it is in effect
    /// on every date. No TOML date is this early.
    pub(crate) const ALWAYS_IN_EFFECT: NaiveDate = NaiveDate::MIN;

    /// The effective date the file states, if it states one.
    pub(crate) fn stated_effective_date(&self) -> Option<NaiveDate> {
        (self.effective_date != Self::ALWAYS_IN_EFFECT).then_some(self.effective_date)
    }

    /// From when the version is in effect, in words: its date, or "the
    /// beginning" for a version that states none.
    pub(crate) fn in_effect_from(&self) -> String {
        self.stated_effective_date()
            .map_or_else(|| "the beginning".to_owned(), |date| date.to_string())
    }
}

impl Policy {
    /// The rules in the order they are tried, the default last when the
    /// file writes one.
    pub(crate) fn rules_in_order(&self) -> impl Iterator<Item = &Rule> {
        let written = Some(&self.default).filter(|default| !default.implicit);
        self.rules.iter().chain(written)
    }

    pub(crate) fn calendar(&self, name: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|calendar| calendar.name == name)
    }

    /// The policy's `id`, from `[policy]`.
    ///
    /// ```
    /// let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// assert_eq!(policy.id(), "iptv-smarters-pro");
    /// # Ok::<(), ruling::PolicyError>(())
    /// ```
    pub fn id(&self) -> &str {
        &self.meta.id
    }

    /// The policy's `version`, from `[policy]`.
    ///
    /// ```
    /// let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// assert_eq!(policy.version(), "2025-01-22");
    /// # Ok::<(), ruling::PolicyError>(())
    /// ```
    pub fn version(&self) -> &str {
        &self.meta.version
    }

    /// The policy's `title`, from `[policy]`.
    ///
    /// ```
    /// let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// assert!(!policy.title().is_empty());
    /// # Ok::<(), ruling::PolicyError>(())
    /// ```
    pub fn title(&self) -> &str {
        &self.meta.title
    }

    /// The date this version takes effect, from `[policy]`; `None` when the
    /// policy does not say, so that it is always in effect.
    ///
    /// ```
    /// let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// assert_eq!(policy.effective_date().map(|date| date.to_string()).as_deref(), Some("2025-01-22"));
    /// # Ok::<(), ruling::PolicyError>(())
    /// ```
    pub fn effective_date(&self) -> Option<NaiveDate> {
        self.meta.stated_effective_date()
    }

    /// The SHA-256 of the policy file's bytes, in hexadecimal: decisions
    /// name it, so that a decision can be traced to the exact text.
    ///
    /// ```
    /// let policy = ruling::load(ruling::SourceFile::new("p.toml", std::fs::read_to_string(
    ///     "policies/iptv-smarters-pro/2025-01-22.toml")?))?;
    /// assert_eq!(policy.sha256().len(), 64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sha256(&self) -> &str {
        self.sha256
            .get_or_init(|| sha256_hex(self.file.text.as_bytes()))
    }

    /// The policy file: its name and text.
    ///
    /// ```
    /// let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// assert!(policy.file().name.ends_with("2025-01-22.toml"));
    /// # Ok::<(), ruling::PolicyError>(())
    /// ```
    pub fn file(&self) -> &SourceFile {
        &self.file
    }
}

#[cfg(test)]
pub(crate) mod calendar_tests;
#[cfg(test)]
mod policy_id_tests;

/// The SHA-256 of `bytes` in lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&hex_digits(&Sha256::digest(bytes).into())).into_owned()
}

/// A SHA-256 digest as 64 lowercase hexadecimal digits.
pub(crate) fn hex_digits(digest: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digit = |nibble: u8| DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0');
    let mut text = [0; 64];
    for (pair, byte) in text.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&[digit(byte >> 4), digit(byte & 0xf)]);
    }
    text
}
