//! The vocabulary of the policy file: each table, the keys it accepts, what
//! each key holds and means, and which keys it requires.
//!
//! The loader reads these lists to report unknown and misspelled keys; the
//! JSON Schema of the file format ([`crate::tools::json_schema`]) is generated from
//! them, so an editor and `ruling check` agree on the keys. Whether a key is
//! required is decided by the loader's readers; a test checks that the
//! `required` marks here say the same.

use crate::policy::folder::BeforeFirstVersion;

/// One key of a table.
#[derive(Debug)]
pub(crate) struct Key {
    pub(crate) name: &'static str,
    /// What the key holds, for the JSON Schema.
    pub(crate) kind: Kind,
    /// A table without this key is an error.
    pub(crate) required: bool,
    /// One sentence for editors' hover texts, in the words of
    /// docs/policy-language.md.
    pub(crate) description: &'static str,
    /// A typical value, for editors' completion (text values only).
    pub(crate) example: Option<&'static str>,
}

/// What a key's value is, in the policy file's own terms.
#[derive(Debug)]
pub(crate) enum Kind {
    /// `format = 1`.
    FormatVersion,
    /// Any text.
    Text,
    /// Lowercase letters, digits and `-`.
    Identifier,
    /// A word without spaces or slashes.
    Version,
    /// A TOML date, `2025-01-22`.
    Date,
    /// The dotted path of a request field.
    FieldPath,
    /// `"UTC"`, a fixed offset such as `"+02:00"`, or an IANA zone name
    /// such as `"America/New_York"`.
    Timezone,
    /// One of these words.
    Keyword(&'static [&'static str]),
    /// A field type keyword.
    FieldType,
    /// The type of a list's items: a field type other than `list`.
    ItemType,
    /// The allowed values of an enum.
    EnumValues,
    Bool,
    /// An expression of the policy language, in a string.
    Expression,
    /// A reason: text with `{expression}` placeholders.
    Template,
    /// An outcome keyword.
    Outcome,
    /// A section keyword.
    Section,
    /// A TOML value of the field's type.
    Constant,
    /// Named effects: expressions in strings, or constants.
    Effects,
    /// Effects per outcome: `[effects.approve]`.
    OutcomeEffects,
    /// Named expressions: `[derived]`.
    Derived,
    /// A table with these keys.
    Table(&'static [Key]),
    /// An array of tables with these keys: `[[rule]]`.
    Tables(&'static [Key]),
    /// The `[[field]]` tables, whose keys depend on each other's values
    /// (`values` only for enums, `items` only for lists).
    Fields,
    /// Calendars by name: `[calendar.us]`, each a table of [`CALENDAR`].
    Calendars,
    /// Weekday names: `["saturday", "sunday"]`.
    Weekdays,
    /// The holidays of a calendar: tables of [`HOLIDAY`], each with a
    /// `date` or a `rule`.
    Holidays,
    /// `"MM-DD"` every year, or a TOML date once.
    HolidayDate,
    /// `"third monday of january"`.
    HolidayRule,
    /// Where a holiday on a weekend day is observed: `"nearest_weekday"`.
    Observance,
}

const fn key(name: &'static str, kind: Kind, required: bool, description: &'static str) -> Key {
    Key {
        name,
        kind,
        required,
        description,
        example: None,
    }
}

impl Key {
    const fn example(mut self, example: &'static str) -> Self {
        self.example = Some(example);
        self
    }
}

/// The keys at the top of a policy file.
pub(crate) const TOP: &[Key] = &[
    key(
        "format",
        Kind::FormatVersion,
        true,
        "Version of the policy file format; always 1 for now.",
    ),
    key(
        "policy",
        Kind::Table(POLICY),
        true,
        "What the policy is: its id, version, title and effective date.",
    ),
    key(
        "calendar",
        Kind::Calendars,
        false,
        "Business-day calendars, each a `[calendar.NAME]` table with its weekend and holidays, named in `is_business_day`, `add_business_days` and `business_days_between`.",
    ),
    key(
        "field",
        Kind::Fields,
        false,
        "Each `[[field]]` declares one value of the JSON requests the policy accepts.",
    ),
    key(
        "derived",
        Kind::Derived,
        false,
        "Named values computed from the request, usable in every expression, in any order.",
    ),
    key(
        "helpers",
        Kind::Derived,
        false,
        "Derived values that exist only to compute others: used like `[derived]` values, but not listed in decisions and explanations.",
    ),
    key(
        "constraint",
        Kind::Tables(CONSTRAINT),
        false,
        "Each `[[constraint]]` is a check that makes a request invalid rather than decidable.",
    ),
    key(
        "rule",
        Kind::Tables(RULE),
        false,
        "Each `[[rule]]` is a rule; rules are tried from top to bottom and the first whose `when` holds decides.",
    ),
    key(
        "default",
        Kind::Table(DEFAULT),
        false,
        "Decides when no rule holds: the keys of a rule except `when`. It may be left out when `ruling check` proves that the rules decide every valid request.",
    ),
    key(
        "effects",
        Kind::OutcomeEffects,
        false,
        "Effects that every decision with a given outcome carries: `[effects.approve]`.",
    ),
];

/// The keys of `[policy]`.
pub(crate) const POLICY: &[Key] = &[
    key(
        "id",
        Kind::Identifier,
        true,
        "The policy's id: lowercase letters, digits and `-`.",
    )
    .example("refund-policy"),
    key(
        "version",
        Kind::Version,
        true,
        "This version's name, without spaces; unique within the policy's folder.",
    )
    .example("2025-01-22"),
    key("title", Kind::Text, true, "The policy's title.").example("Refund policy"),
    key(
        "effective_date",
        Kind::Date,
        false,
        "The first date this version governs, as a TOML date without quotes: `effective_date = 2025-01-22`; without it the version is in effect on every date, and it must be the only version in its folder.",
    )
    .example("2025-01-22"),
    key(
        "effective_date_field",
        Kind::FieldPath,
        false,
        "The request field (a date or datetime) compared with `effective_date` to choose the version in effect; without it, the newest version decides.",
    )
    .example("purchase.date"),
    key(
        "before_first_version",
        Kind::Keyword(&BeforeFirstVersion::KEYWORDS),
        false,
        "What a folder of versions does with a request dated before its earliest version: `reject` it (the default) or let the `earliest` version decide it; the same in every version.",
    ),
    key(
        "timezone",
        Kind::Timezone,
        false,
        "`UTC` (the default), a fixed offset such as `+02:00`, or an IANA zone name such as `America/New_York` (daylight saving included): the time zone in which datetimes count as dates.",
    )
    .example("UTC"),
    key(
        "source",
        Kind::Text,
        false,
        "Where the written policy comes from.",
    ),
];

/// The keys of a `[calendar.NAME]` table.
pub(crate) const CALENDAR: &[Key] = &[
    key(
        "weekend",
        Kind::Weekdays,
        false,
        "The days of the week that are not working days; `[\"saturday\", \"sunday\"]` when left out.",
    ),
    key(
        "holidays",
        Kind::Holidays,
        false,
        "The holidays, one inline table a line: `{ name = \"Christmas Day\", date = \"12-25\", observed = \"nearest_weekday\" }`.",
    ),
];

/// The keys of one holiday of a calendar.
pub(crate) const HOLIDAY: &[Key] = &[
    key(
        "name",
        Kind::Text,
        true,
        "The holiday's name, unique in its calendar.",
    )
    .example("Christmas Day"),
    key(
        "date",
        Kind::HolidayDate,
        false,
        "`\"MM-DD\"`: that day every year; or a TOML date without quotes, `2025-12-26`: that day only. A holiday has a `date` or a `rule`.",
    )
    .example("12-25"),
    key(
        "rule",
        Kind::HolidayRule,
        false,
        "The nth weekday of a month, every year: `\"third monday of january\"`, `\"last monday of may\"` (first to fifth, or last). A holiday has a `date` or a `rule`.",
    )
    .example("third monday of january"),
    key(
        "observed",
        Kind::Observance,
        false,
        "Where a holiday that falls on a weekend day is observed: `none` (the default: no business day is lost), `nearest_weekday` (Saturday → Friday, Sunday → Monday) or `next_weekday` (the next working day that is not already a holiday).",
    ),
];

/// The keys of `[[field]]`.
pub(crate) const FIELD: &[Key] = &[
    key(
        "path",
        Kind::FieldPath,
        true,
        "Dotted JSON path of the field; each part is a name of letters (a to z, A to Z), digits and `_` that starts with a letter or `_`, and `[]` after a part reaches into the items of a list of objects: `order.items[].price`.",
    )
    .example("purchase.date"),
    key("type", Kind::FieldType, true, "The field's type.").example("string"),
    key(
        "values",
        Kind::EnumValues,
        false,
        "For `enum`, and for a `list` of `items = \"enum\"`: the allowed values.",
    ),
    key(
        "items",
        Kind::ItemType,
        false,
        "For `list`: the type of the elements (any type but `list`), or `object` for a list of objects whose members are declared as fields `path[].member`.",
    )
    .example("string"),
    key("description", Kind::Text, true, "What the field means."),
    key(
        "required",
        Kind::Bool,
        false,
        "`true`: the request must give the field; a request without it is incomplete (`any_missing()`).",
    ),
    key(
        "required_when",
        Kind::Expression,
        false,
        "An expression: the request must give the field when it holds.",
    )
    .example("purchase.product_type == \"game\""),
    key(
        "default",
        Kind::Constant,
        false,
        "The value used when the request does not give the field: a TOML value of the field's type, numbers and dates without quotes (`default = 0.00`).",
    ),
];

/// The keys of `[[constraint]]`.
pub(crate) const CONSTRAINT: &[Key] = &[
    key(
        "id",
        Kind::Identifier,
        true,
        "The constraint's id: lowercase letters, digits and `-`.",
    )
    .example("request-not-before-purchase"),
    key(
        "must",
        Kind::Expression,
        true,
        "A `bool` expression that every request must satisfy.",
    )
    .example("request.date >= purchase.date"),
    key(
        "message",
        Kind::Text,
        true,
        "Why a request that breaks the constraint is rejected.",
    )
    .example("the refund request is dated before the purchase"),
];

const RULE_ID: Key = key(
    "id",
    Kind::Identifier,
    true,
    "Stable, unique id of the rule: lowercase letters, digits and `-`.",
)
.example("within-window");
const CLAUSE: Key = key(
    "clause",
    Kind::Text,
    true,
    "The clause of the written policy that the rule applies.",
)
.example("Eligibility §1");
const OUTCOME: Key = key(
    "outcome",
    Kind::Outcome,
    true,
    "`approve`, `deny`, `review` (a person decides case by case) or `needs_info` (the customer must give more information).",
);
const REASON: Key = key(
    "reason",
    Kind::Template,
    true,
    "The reason shown to the customer; `{expression}` is replaced by its value, `{{` and `}}` are literal braces.",
)
.example("Your request came {days_since_purchase} days after the purchase.");
const EFFECTS: Key = key(
    "effects",
    Kind::Effects,
    false,
    "Named values of the decision: a TOML string is an expression, other TOML values are constants.",
);
const SECTION_DESCRIPTION: &str =
    "The kind of rule: `eligibility`, `requirement`, `exception` or `exclusion`.";

const ALLOW: Key = key(
    "allow",
    Kind::Table(LINT_ALLOW),
    false,
    "Findings of `ruling lint` that are meant, each with the reason: `allow = { gap = \"the default denies late requests\" }`.",
);

/// The keys of a rule's `allow`: the codes of `ruling lint`'s findings
/// about a rule (or the `[default]`), each with a reason.
pub const LINT_ALLOW: &[Key] = &[
    key(
        "unreachable-rule",
        Kind::Text,
        false,
        "Why the rule may never decide.",
    ),
    key(
        "impossible-condition",
        Kind::Text,
        false,
        "Why the condition may never hold.",
    ),
    key(
        "always-true-condition",
        Kind::Text,
        false,
        "Why the condition may always hold.",
    ),
    key(
        "never-known-condition",
        Kind::Text,
        false,
        "Why the condition may be unknown for every request that reaches it.",
    ),
    key(
        "unknown-trap",
        Kind::Text,
        false,
        "Why an absent optional field may make the condition unknown.",
    ),
    key(
        "overlap",
        Kind::Text,
        false,
        "Why a rule above with another outcome may hold too.",
    ),
    key(
        "not-analysed",
        Kind::Text,
        false,
        "Why the rule need not be analysed.",
    ),
    key(
        "gap",
        Kind::Text,
        false,
        "On `[default]`: why requests no rule decides are meant.",
    ),
];

/// The keys of `[[rule]]`.
pub(crate) const RULE: &[Key] = &[
    RULE_ID,
    CLAUSE,
    key("section", Kind::Section, true, SECTION_DESCRIPTION),
    key(
        "when",
        Kind::Expression,
        true,
        "A `bool` expression: the rule applies when it is true (unknown does not apply).",
    )
    .example("days_since_purchase <= 7 and support.contacted"),
    OUTCOME,
    REASON,
    EFFECTS,
    ALLOW,
];

/// The keys of `[default]`: a rule's, without `when`, `section` optional.
pub(crate) const DEFAULT: &[Key] = &[
    RULE_ID,
    CLAUSE,
    key("section", Kind::Section, false, SECTION_DESCRIPTION),
    OUTCOME,
    REASON,
    EFFECTS,
    ALLOW,
];

/// The names of `keys`, in order.
pub(crate) fn names(keys: &[Key]) -> impl Iterator<Item = &'static str> + '_ {
    keys.iter().map(|key| key.name)
}

/// Whether `name` is one of `keys`.
pub(crate) fn contains(keys: &[Key], name: &str) -> bool {
    keys.iter().any(|key| key.name == name)
}
