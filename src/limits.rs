//! Every resource limit on policies and requests, with its default, in one
//! place. The limits keep work and memory proportional to an input that is
//! small enough to be a real policy or request, so that a server deciding
//! requests from outside cannot be made to stall or run out of memory.
//!
//! The limits on policies are fixed: policies are written by the people who
//! own them, and a real one is a few kilobytes. The limits on requests are
//! [`RequestLimits`], which a caller can raise or lower (`ruling decide
//! --max-request-bytes`).

/// The largest policy file, in bytes (1 MiB). The shipped policies are
/// about 20 KiB.
pub const MAX_POLICY_BYTES: usize = 1 << 20;

/// The most `[[rule]]` tables in one policy.
pub const MAX_RULES: usize = 10_000;

/// The longest expression, in characters. Parsing is linear in the text,
/// but a long expression is unreadable, and this bounds the work of every
/// later stage too.
pub const MAX_EXPRESSION_CHARS: usize = 10_000;

/// The most holidays in one calendar. A real calendar has a few dozen; the
/// limit bounds the work of computing them when the policy loads.
pub const MAX_HOLIDAYS: usize = 500;

/// How deep parentheses, lists, calls, `if`, `not` and `-` may nest in an
/// expression; keeps the recursive parser far from the end of the stack.
pub const MAX_EXPRESSION_NESTING: usize = 64;

/// How tall an expression tree may grow; keeps everything that later walks
/// the tree recursively (checking, evaluating, printing, dropping) far from
/// the end of the stack, even for a long chain such as `a or b or c or ...`.
pub const MAX_EXPRESSION_HEIGHT: usize = 256;

/// How deeply the declared objects of a request may nest (`serde_json`'s
/// own recursion limit, which decoding relies on; members the policy does
/// not declare are skipped without recursion, at any depth).
pub const MAX_JSON_DEPTH: usize = 128;

/// The default largest request, in bytes (1 MiB).
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// The default longest string value of a declared field, in bytes (64 KiB).
pub const MAX_STRING_BYTES: usize = 64 << 10;

/// The most items of one list in a request: a refund request lists a few
/// order lines, and every list is walked by each aggregate that reads it.
pub const MAX_LIST_ITEMS: usize = 10_000;

/// The most list items the aggregates of one decision may visit. One
/// aggregate visits each item once, but an aggregate nested in another
/// over long lists visits items times items; past this, the decision stops
/// with an error instead of taking seconds.
pub const MAX_ITEMS_VISITED: usize = 1_000_000;

/// The limits on one request, and how strictly it is read; give them to
/// [`decide_json_with`](crate::decide_json_with) or in
/// [`BatchOptions`](crate::BatchOptions).
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let small = ruling::limits::RequestLimits { max_bytes: 16, ..Default::default() };
/// assert!(ruling::decide_json_with(&policy, request.as_bytes(), small).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLimits {
    /// The largest request, in bytes; for NDJSON, the largest line.
    pub max_bytes: usize,
    /// The longest string value of a declared field, in bytes.
    pub max_string_bytes: usize,
    /// Whether a member the policy does not declare rejects the request
    /// (`ruling decide --strict`); by default it is ignored, with a warning
    /// when it looks like a misspelled declared member.
    pub strict: bool,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            max_bytes: MAX_REQUEST_BYTES,
            max_string_bytes: MAX_STRING_BYTES,
            strict: false,
        }
    }
}

/// The most requests one enumeration of `ruling lint` (and `ruling diff
/// --symbolic`) may decode and evaluate. Past it, the rules it did not
/// settle are reported as not analysed, never guessed. Linting a shipped
/// policy takes a few thousand.
pub const LINT_BUDGET: usize = 200_000;

/// The most requests the whole lint of one policy may decode and evaluate,
/// over all its enumerations (one for the policy, one per rule, one per
/// pair of rules with `--overlaps`): a policy of thousands of rules sent to
/// `POST /v1/lint` stops here instead of taking hours.
pub const LINT_TOTAL_BUDGET: usize = 2_000_000;

/// How many fields one branch of a lint enumeration may split, one inside
/// the other: the enumeration recurses once per field, and stays far from
/// the end of the stack.
pub const MAX_LINT_DEPTH: usize = 1_000;
